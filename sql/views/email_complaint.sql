-- One row per complaining recipient.
SELECT
  e.*,
  r.email_address AS complained_email_address,
  e.mail_event.complaint.feedback_id AS feedback_id,
  e.mail_event.complaint.user_agent AS user_agent,
  e.mail_event.complaint.complaint_feedback_type AS complaint_feedback_type
FROM email_all_events AS e
-- AS r, no column list: Athena unnests an array of rows into a column per field, DuckDB into one
-- struct column named r, and r.<field> reads either.
CROSS JOIN UNNEST(e.mail_event.complaint.complained_recipients) AS r
WHERE e.event_type = '_email.complaint'
