-- One row per bounced recipient, hard and soft: email_hardbounce and email_softbounce select from it.
SELECT
  e.*,
  e.mail_event.bounce.bounce_type AS bounce_type,
  e.mail_event.bounce.bounce_sub_type AS bounce_sub_type,
  e.mail_event.bounce.feedback_id AS feedback_id,
  e.mail_event.bounce.reporting_mta AS reporting_mta,
  r.email_address AS bounced_recipient_email_address,
  r.action AS bounced_recipient_action,
  r.status AS bounced_recipient_status,
  r.diagnostic_code AS bounced_recipient_diagnostic_code
FROM email_all_events AS e
-- AS r, no column list: Athena unnests an array of rows into a column per field, DuckDB into one
-- struct column named r, and r.<field> reads either.
CROSS JOIN UNNEST(e.mail_event.bounce.bounced_recipients) AS r
WHERE e.event_type IN ('_email.hardbounce', '_email.softbounce')
