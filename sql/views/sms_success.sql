SELECT * FROM sms_all_events WHERE event_type = '_SMS.SUCCESS'
