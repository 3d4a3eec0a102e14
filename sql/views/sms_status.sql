-- Where each text message stands, from the raw End User Messaging events: its latest event (by
-- event time, not by name; of two in the same millisecond, the final one) and what it says.
SELECT
  s.messageId AS message_id,
  element_at(arbitrary(s.context), 'application_id') AS application_id,
  element_at(arbitrary(s.context), 'campaign_id') AS campaign_id,
  element_at(arbitrary(s.context), 'endpoint_id') AS endpoint_id,
  from_unixtime(CAST(max(s.eventTimestamp) AS DOUBLE) / 1000) AS event_timestamp,
  max_by(s.eventType, s.ordinal) AS event_type,
  max_by(s.messageStatus, s.ordinal) AS message_status,
  max_by(s.messageStatusDescription, s.ordinal) AS message_status_description,
  bool_or(s.isFinal) AS is_final,
  arbitrary(s.originationPhoneNumber) AS origination_phone_number,
  arbitrary(s.destinationPhoneNumber) AS destination_phone_number,
  arbitrary(s.isoCountryCode) AS iso_country_code,
  arbitrary(s.messageEncoding) AS message_encoding,
  arbitrary(s.messageType) AS message_type,
  max(s.totalMessageParts) AS total_message_parts,
  max_by(s.totalMessagePrice, s.ordinal) AS total_message_price,
  max_by(s.totalCarrierFee, s.ordinal) AS total_carrier_fee
FROM (
  SELECT e.*, e.eventTimestamp * 2 + IF(e.isFinal, 1, 0) AS ordinal
  FROM sms_events AS e
) AS s
GROUP BY s.messageId
