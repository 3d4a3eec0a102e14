SELECT
  n.*,
  element_at(n.message_tags, 'journey_run_id') AS journey_run_id,
  element_at(n.message_tags, 'journey_send_status') AS journey_send_status
FROM events_named AS n
WHERE n.event_type LIKE '\_journey.%' ESCAPE '\'
