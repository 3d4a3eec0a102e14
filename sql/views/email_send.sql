SELECT * FROM email_all_events WHERE event_type = '_email.send'
