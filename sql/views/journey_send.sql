SELECT * FROM journey_all_events WHERE event_type = '_journey.send'
