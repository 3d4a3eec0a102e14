SELECT
  n.*,
  element_at(n.message_tags, 'delivery_type') AS delivery_type,
  element_at(n.message_tags, 'campaign_send_status') AS campaign_send_status,
  element_at(n.message_tags, 'campaign_type') AS campaign_type
FROM events_named AS n
WHERE n.event_type LIKE '\_campaign.%' ESCAPE '\'
