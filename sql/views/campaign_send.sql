SELECT * FROM campaign_all_events WHERE event_type = '_campaign.send'
