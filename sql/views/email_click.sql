SELECT
  e.*,
  e.mail_event.click.ip_address AS ip_address,
  e.mail_event.click.user_agent AS user_agent,
  e.mail_event.click.link AS link
FROM email_all_events AS e
WHERE e.event_type = '_email.click'
