-- Every engagement event with its common columns flattened and the names of its campaign, the
-- campaign's segment and template, and its journey joined from our own stores (the names table).
-- The other event views select from this one.
SELECT
  e.event_type,
  from_unixtime(CAST(e.event_timestamp AS DOUBLE) / 1000) AS event_timestamp,
  from_unixtime(CAST(e.arrival_timestamp AS DOUBLE) / 1000) AS arrival_timestamp,
  e.event_id,
  e.application.app_id AS application_id,
  e.client.client_id AS endpoint_id,
  element_at(e.attributes, 'campaign_id') AS campaign_id,
  element_at(e.attributes, 'treatment_id') AS treatment_id,
  element_at(e.attributes, 'campaign_activity_id') AS campaign_activity_id,
  element_at(e.attributes, 'journey_id') AS journey_id,
  element_at(e.attributes, 'journey_activity_id') AS journey_activity_id,
  campaign.name AS campaign_name,
  campaign.segment_id AS segment_id,
  segment.name AS segment_name,
  campaign.template_name AS template_name,
  journey.name AS journey_name,
  e.awsAccountId AS aws_account_id,
  e.attributes AS message_tags,
  e.metrics,
  e.session,
  e.client.cognito_id AS cognito_id,
  e.facets.email_channel.mail_event AS mail_event,
  e.year,
  e.month,
  e.day,
  e.hour
FROM events AS e
LEFT JOIN names AS campaign
  ON campaign.kind = 'campaign'
  AND campaign.app_id = e.application.app_id
  AND campaign.id = element_at(e.attributes, 'campaign_id')
LEFT JOIN names AS segment
  ON segment.kind = 'segment'
  AND segment.app_id = e.application.app_id
  AND segment.id = campaign.segment_id
LEFT JOIN names AS journey
  ON journey.kind = 'journey'
  AND journey.app_id = e.application.app_id
  AND journey.id = element_at(e.attributes, 'journey_id')
