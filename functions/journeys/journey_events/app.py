"""Journeys started by events: the event stream's consumer. Each record is matched against its
application's active journeys with an EventStartCondition and enters the event's participant, and
an event of a journey's own message is kept for its splits' conditions (engage.journeys.entry).
Partial batch responses: a record that fails comes back (the shard retries from it, bisecting), and
one that keeps failing goes to the DLQ; a replayed record finds its participant already in."""

from engage.batch import event_matcher_handler
from engage.journeys.wiring import event_entry

handler = event_matcher_handler(
    lambda: event_entry().batch(),
    "journey entries",
    {"Entered": "JourneyParticipantsEntered", "LATE": "JourneyEventsLate"},
)
