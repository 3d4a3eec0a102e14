-- The applications' own events (PutEvents, the SDKs, the tracking pixel): everything but the
-- messaging and orchestration events and Pinpoint's test event.
SELECT
  n.*,
  element_at(n.session, 'session_id') AS session_id,
  from_unixtime(CAST(element_at(n.session, 'start_timestamp') AS DOUBLE) / 1000) AS session_start_time,
  from_unixtime(CAST(element_at(n.session, 'stop_timestamp') AS DOUBLE) / 1000) AS session_stop_time
FROM events_named AS n
WHERE NOT (
  n.event_type LIKE '\_email.%' ESCAPE '\'
  OR n.event_type LIKE '\_SMS.%' ESCAPE '\'
  OR n.event_type LIKE '\_VOICE.%' ESCAPE '\'
  OR n.event_type LIKE '\_push.%' ESCAPE '\'
  OR n.event_type LIKE '\_campaign.%' ESCAPE '\'
  OR n.event_type LIKE '\_journey.%' ESCAPE '\'
  OR n.event_type LIKE '\_test.event%' ESCAPE '\'
  OR n.event_type LIKE '\_custom.%' ESCAPE '\'
)
