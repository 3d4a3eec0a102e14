-- Every _email.* event with the message's columns.
SELECT
  n.*,
  n.mail_event.mail.message_id AS message_id,
  from_unixtime(CAST(n.mail_event.mail.message_send_timestamp AS DOUBLE) / 1000) AS message_send_timestamp,
  n.mail_event.mail.from_address AS from_address,
  n.mail_event.mail.destination AS destination,
  n.mail_event.mail.common_headers.subject AS subject
FROM events_named AS n
WHERE n.event_type LIKE '\_email.%' ESCAPE '\'
