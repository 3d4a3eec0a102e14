SELECT
  e.*,
  e.mail_event.delivery.smtp_response AS smtp_response,
  e.mail_event.delivery.reporting_mta AS reporting_mta,
  e.mail_event.delivery.recipients AS recipients,
  e.mail_event.delivery.processing_time_millis AS processing_time_millis
FROM email_all_events AS e
WHERE e.event_type = '_email.delivered'
