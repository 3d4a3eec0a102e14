SELECT
  e.*,
  e.mail_event."open".ip_address AS ip_address,
  e.mail_event."open".user_agent AS user_agent
FROM email_all_events AS e
WHERE e.event_type = '_email.open'
