-- Where each message SES sent stands, from the raw SES events: one row per message id (whatever
-- its header variations), the first time of each outcome, the bounce and complaint details.
SELECT
  s.mail.messageId AS message_id,
  element_at(arbitrary(s.mail.tags), 'application_id')[1] AS application_id,
  element_at(arbitrary(s.mail.tags), 'campaign_id')[1] AS campaign_id,
  element_at(arbitrary(s.mail.tags), 'endpoint_id')[1] AS endpoint_id,
  arbitrary(s.mail.commonHeaders.subject) AS subject,
  arbitrary(s.mail.destination) AS destination,
  min(from_iso8601_timestamp(s.mail."timestamp")) AS time_sent,
  min(CASE WHEN s.eventType = 'Delivery' THEN from_iso8601_timestamp(s.delivery."timestamp") END) AS time_delivered,
  min(CASE WHEN s.eventType = 'DeliveryDelay' THEN from_iso8601_timestamp(s.deliveryDelay."timestamp") END) AS time_delayed,
  min(CASE WHEN s.eventType = 'Open' THEN from_iso8601_timestamp(s."open"."timestamp") END) AS time_opened,
  min(CASE WHEN s.eventType = 'Click' THEN from_iso8601_timestamp(s.click."timestamp") END) AS time_clicked,
  min(CASE WHEN s.eventType = 'Bounce' THEN from_iso8601_timestamp(s.bounce."timestamp") END) AS time_bounced,
  max(s.bounce.bounceType) AS bounce_type,
  max(s.bounce.bounceSubType) AS bounce_subtype,
  min(CASE WHEN s.eventType = 'Complaint' THEN from_iso8601_timestamp(s.complaint."timestamp") END) AS time_complained,
  max(s.complaint.complaintFeedbackType) AS complaint_feedbacktype,
  max(s.reject.reason) AS reject_reason
FROM ses_events AS s
GROUP BY s.mail.messageId
