"""Event-triggered campaigns: the event stream's consumer. Each record is matched against its
application's active EVENT campaigns and sends what they say to the event's endpoint (see
engage.campaigns.on_event). Answers a partial batch response: a record that fails comes back (the
shard retries from it, bisecting), and one that keeps failing goes to the DLQ; a replayed record
queues the same sends, which the ledger sends once."""

from engage.batch import event_matcher_handler
from engage.campaigns.wiring import event_campaigns

handler = event_matcher_handler(
    lambda: event_campaigns().batch(),  # each application's campaigns and each segment read once
    "event campaigns",
    {"Queued": "EventCampaignMessagesQueued", "LATE": "EventCampaignEventsLate"},
)
