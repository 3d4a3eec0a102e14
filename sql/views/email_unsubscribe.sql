-- Unsubscribes: a click on an unsubscribe link, a one-click (RFC 8058) request, or an SES
-- subscription event that left every topic.
SELECT
  e.*,
  e.mail_event.click.ip_address AS ip_address,
  e.mail_event.click.user_agent AS user_agent,
  e.mail_event.click.link AS link,
  element_at(e.mail_event.click.link_tags, 'unsubscribeLinkTag') AS unsubscribe_link_tag,
  e.mail_event.subscription.contact_list AS contact_list,
  element_at(e.message_tags, 'topic') AS topic
FROM email_all_events AS e
WHERE e.event_type = '_email.unsubscribe'
