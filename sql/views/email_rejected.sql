SELECT
  e.*,
  coalesce(e.mail_event.reject.reason, element_at(e.message_tags, 'record_status')) AS reject_reason
FROM email_all_events AS e
WHERE e.event_type = '_email.rejected'
