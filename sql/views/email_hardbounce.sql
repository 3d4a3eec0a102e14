-- Permanent bounces, one row per bounced recipient.
SELECT * FROM email_bounce WHERE event_type = '_email.hardbounce'
