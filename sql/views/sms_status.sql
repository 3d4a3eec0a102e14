-- Where each text message stands, from the raw End User Messaging events: its latest event (by
-- event time, not by name) and what that event says.
SELECT
  s.messageId AS message_id,
  element_at(max_by(s.context, s.eventTimestamp), 'application_id') AS application_id,
  element_at(max_by(s.context, s.eventTimestamp), 'campaign_id') AS campaign_id,
  element_at(max_by(s.context, s.eventTimestamp), 'endpoint_id') AS endpoint_id,
  from_unixtime(CAST(max(s.eventTimestamp) AS DOUBLE) / 1000) AS event_timestamp,
  max_by(s.eventType, s.eventTimestamp) AS event_type,
  max_by(s.messageStatus, s.eventTimestamp) AS message_status,
  max_by(s.messageStatusDescription, s.eventTimestamp) AS message_status_description,
  bool_or(s.isFinal) AS is_final,
  arbitrary(s.originationPhoneNumber) AS origination_phone_number,
  arbitrary(s.destinationPhoneNumber) AS destination_phone_number,
  arbitrary(s.isoCountryCode) AS iso_country_code,
  arbitrary(s.messageEncoding) AS message_encoding,
  arbitrary(s.messageType) AS message_type,
  max(s.totalMessageParts) AS total_message_parts,
  max_by(s.totalMessagePrice, s.eventTimestamp) AS total_message_price,
  max_by(s.totalCarrierFee, s.eventTimestamp) AS total_carrier_fee
FROM sms_events AS s
GROUP BY s.messageId
