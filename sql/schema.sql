-- The event lake's tables, in Athena's DDL: the one source of the Glue tables (devtools/sqlgen.py
-- writes their columns into apps/lake/template.yaml) and of the local DuckDB tables
-- (engage_cli/lake). Column and field names keep the JSON keys' case: Athena's JSON SerDe matches
-- them case-insensitively, DuckDB's JSON reader only exactly. Every table is GZIP JSON lines under
-- its LOCATION, partitioned by the UTC hour Firehose delivered it in (partition projection on AWS).

-- The engagement events, in the schema of Pinpoint's event stream: everything on the core stream
-- (sends, SES and SMS outcomes normalised to _email.* and _SMS.*, campaign, journey and app events).
-- `metrics` is a map, so custom metrics are kept (the original fixed it to one price field).
CREATE EXTERNAL TABLE events (
  event_type STRING,
  event_timestamp BIGINT,
  arrival_timestamp BIGINT,
  event_version STRING,
  event_id STRING,
  application STRUCT<app_id: STRING, cognito_identity_pool_id: STRING, package_name: STRING, sdk: MAP<STRING, STRING>, title: STRING, version_name: STRING, version_code: STRING>,
  client STRUCT<client_id: STRING, cognito_id: STRING>,
  device STRUCT<locale: STRUCT<code: STRING, country: STRING, language: STRING>, make: STRING, model: STRING, platform: STRUCT<name: STRING, version: STRING>>,
  session MAP<STRING, STRING>,
  attributes MAP<STRING, STRING>,
  metrics MAP<STRING, DOUBLE>,
  client_context STRUCT<custom: MAP<STRING, STRING>>,
  awsAccountId STRING,
  facets STRUCT<email_channel: STRUCT<mail_event: STRUCT<
    mail: STRUCT<message_id: STRING, message_send_timestamp: BIGINT, from_address: STRING, destination: ARRAY<STRING>, headers_truncated: BOOLEAN, headers: ARRAY<STRUCT<name: STRING, value: STRING>>, common_headers: STRUCT<`from`: STRING, `to`: ARRAY<STRING>, subject: STRING>>,
    send: MAP<STRING, STRING>,
    delivery: STRUCT<smtp_response: STRING, reporting_mta: STRING, recipients: ARRAY<STRING>, processing_time_millis: BIGINT>,
    `open`: STRUCT<ip_address: STRING, user_agent: STRING>,
    click: STRUCT<ip_address: STRING, user_agent: STRING, link: STRING, link_tags: MAP<STRING, ARRAY<STRING>>>,
    reject: STRUCT<reason: STRING>,
    complaint: STRUCT<complained_recipients: ARRAY<STRUCT<email_address: STRING>>, complaint_feedback_type: STRING, complaint_sub_type: STRING, feedback_id: STRING, user_agent: STRING, arrival_date: STRING>,
    bounce: STRUCT<bounce_type: STRING, bounce_sub_type: STRING, bounced_recipients: ARRAY<STRUCT<email_address: STRING, action: STRING, status: STRING, diagnostic_code: STRING>>, feedback_id: STRING, reporting_mta: STRING>,
    delivery_delay: STRUCT<delay_type: STRING, expiration_time: STRING, reporting_mta: STRING, delayed_recipients: ARRAY<STRUCT<email_address: STRING, status: STRING, diagnostic_code: STRING>>>,
    subscription: STRUCT<contact_list: STRING, source: STRING, unsubscribe_all: BOOLEAN, topics: MAP<STRING, STRING>, previous_topics: MAP<STRING, STRING>>,
    rendering_failure: STRUCT<error_message: STRING, template_name: STRING>>>>
)
PARTITIONED BY (year STRING, month STRING, day STRING, hour STRING)
LOCATION 's3://events-bucket/events/';

-- SES event publishing records as SES delivers them (every event type, custom message tags in
-- mail.tags), kept beside their normalised _email.* form.
CREATE EXTERNAL TABLE ses_events (
  eventType STRING,
  mail STRUCT<`timestamp`: STRING, source: STRING, sourceArn: STRING, sendingAccountId: STRING, messageId: STRING, destination: ARRAY<STRING>, headersTruncated: BOOLEAN, headers: ARRAY<STRUCT<name: STRING, value: STRING>>, commonHeaders: STRUCT<`from`: ARRAY<STRING>, `to`: ARRAY<STRING>, messageId: STRING, subject: STRING>, tags: MAP<STRING, ARRAY<STRING>>>,
  send MAP<STRING, STRING>,
  delivery STRUCT<`timestamp`: STRING, processingTimeMillis: BIGINT, recipients: ARRAY<STRING>, smtpResponse: STRING, reportingMTA: STRING, remoteMtaIp: STRING>,
  `open` STRUCT<ipAddress: STRING, `timestamp`: STRING, userAgent: STRING>,
  click STRUCT<ipAddress: STRING, link: STRING, linkTags: MAP<STRING, ARRAY<STRING>>, `timestamp`: STRING, userAgent: STRING>,
  bounce STRUCT<bounceType: STRING, bounceSubType: STRING, bouncedRecipients: ARRAY<STRUCT<emailAddress: STRING, action: STRING, status: STRING, diagnosticCode: STRING>>, `timestamp`: STRING, feedbackId: STRING, reportingMTA: STRING>,
  complaint STRUCT<complainedRecipients: ARRAY<STRUCT<emailAddress: STRING>>, `timestamp`: STRING, feedbackId: STRING, userAgent: STRING, complaintFeedbackType: STRING, complaintSubType: STRING, arrivalDate: STRING>,
  reject STRUCT<reason: STRING>,
  failure STRUCT<errorMessage: STRING, templateName: STRING>,
  deliveryDelay STRUCT<`timestamp`: STRING, delayType: STRING, expirationTime: STRING, reportingMTA: STRING, delayedRecipients: ARRAY<STRUCT<emailAddress: STRING, status: STRING, diagnosticCode: STRING>>>,
  subscription STRUCT<contactList: STRING, `timestamp`: STRING, source: STRING, newTopicPreferences: STRUCT<unsubscribeAll: BOOLEAN, topicSubscriptionStatus: ARRAY<STRUCT<topicName: STRING, subscriptionStatus: STRING>>>, oldTopicPreferences: STRUCT<unsubscribeAll: BOOLEAN, topicSubscriptionStatus: ARRAY<STRUCT<topicName: STRING, subscriptionStatus: STRING>>>>
)
PARTITIONED BY (year STRING, month STRING, day STRING, hour STRING)
LOCATION 's3://events-bucket/ses/';

-- End User Messaging SMS and voice v2 events as their configuration set delivers them.
CREATE EXTERNAL TABLE sms_events (
  eventType STRING,
  eventVersion STRING,
  eventTimestamp BIGINT,
  messageRequestTimestamp BIGINT,
  isFinal BOOLEAN,
  originationPhoneNumber STRING,
  destinationPhoneNumber STRING,
  isInternationalSend BOOLEAN,
  isoCountryCode STRING,
  mcc STRING,
  mnc STRING,
  carrierName STRING,
  messageId STRING,
  messageEncoding STRING,
  messageType STRING,
  messageStatus STRING,
  messageStatusDescription STRING,
  totalMessageParts INT,
  totalMessagePrice DOUBLE,
  totalCarrierFee DOUBLE,
  context MAP<STRING, STRING>
)
PARTITIONED BY (year STRING, month STRING, day STRING, hour STRING)
LOCATION 's3://events-bucket/sms/';

-- The names of campaigns, segments and templates, exported from our own stores, for the views to
-- show names beside ids (a snapshot per application, rewritten when they change). A deleted
-- campaign keeps its last name, `deleted` true, so its events still show it.
CREATE EXTERNAL TABLE names (
  app_id STRING,
  kind STRING,
  id STRING,
  name STRING,
  segment_id STRING,
  template_name STRING,
  deleted BOOLEAN
)
LOCATION 's3://events-bucket/names/';
