-- Every _SMS.* event with the message's columns; the price in millicents (USD) and the context the
-- message was sent with (customer_context) as a map.
SELECT
  n.*,
  element_at(n.message_tags, 'sender_request_id') AS sender_request_id,
  element_at(n.message_tags, 'destination_phone_number') AS destination_phone_number,
  element_at(n.message_tags, 'origination_phone_number') AS origination_phone_number,
  element_at(n.message_tags, 'record_status') AS record_status,
  element_at(n.message_tags, 'iso_country_code') AS iso_country_code,
  CAST(element_at(n.message_tags, 'number_of_message_parts') AS INTEGER) AS number_of_message_parts,
  element_at(n.message_tags, 'message_id') AS message_id,
  element_at(n.message_tags, 'message_type') AS message_type,
  element_at(n.metrics, 'price_in_millicents_usd') AS price_in_millicents_usd,
  CAST(json_parse(element_at(n.message_tags, 'customer_context')) AS MAP(VARCHAR, VARCHAR)) AS customer_context
FROM events_named AS n
WHERE n.event_type LIKE '\_SMS.%' ESCAPE '\'
