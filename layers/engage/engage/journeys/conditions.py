"""How a split's SimpleCondition is judged for one participant, as Pinpoint's journeys judged it:

- SegmentCondition: one of the participant's endpoints is in the segment (a dynamic segment's
  membership, read without reading its population; an imported segment has no such test and the
  condition is false);
- SegmentDimensions (`segmentDimensions` on the wire): one of its endpoints matches the
  dimensions, as a segment's would;
- EventCondition: the message the activity `MessageActivity` sent the participant (in its current
  entry) had an event of the types `Dimensions.EventType` names (`_email.open`, `_email.click`,
  `_SMS.SUCCESS`, ...), as reported on the event stream. Attribute and metric dimensions of an
  event condition are not judged (the message events carry none of their own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engage.errors import NotFoundError, ValidationError
from engage.journeys.metrics import SEND_EVENT
from engage.journeys.participants import PARTICIPANT_TAG, Participant, read_participant_tag
from engage.segments.dimensions import in_set, matches

Membership = Callable[[str, str], Callable[[Mapping[str, Any]], bool]]
# (app, journey, participant, entry, activity): the event types of that entry's message
EventsOf = Callable[[str, str, str, int, str], set[str]]


@dataclass(frozen=True)
class Conditions:
    app_id: str
    journey_id: str
    membership: Membership
    events_of: EventsOf

    def holds(
        self, condition: Mapping[str, Any], participant: Participant, endpoints: Sequence[Mapping[str, Any]]
    ) -> bool:
        if condition.get("SegmentCondition"):
            segment_id = condition["SegmentCondition"].get("SegmentId")
            try:
                member = self.membership(self.app_id, segment_id)
            except (NotFoundError, ValidationError):
                return False
            return any(member(e) for e in endpoints)
        # On the wire (botocore's locationName) the member is `segmentDimensions`; a definition
        # written by hand, or printed by the AWS CLI, spells it as the model does.
        dimensions = condition.get("segmentDimensions") or condition.get("SegmentDimensions")
        if dimensions:
            return any(matches(e, dimensions) for e in endpoints)
        event = condition.get("EventCondition")
        if event:
            seen = self.events_of(
                self.app_id,
                self.journey_id,
                participant.key,
                participant.entries,
                event.get("MessageActivity") or "",
            )
            wanted = (event.get("Dimensions") or {}).get("EventType")
            return any(in_set(t, wanted) for t in seen) if wanted else bool(seen)
        return False


@dataclass(frozen=True)
class MessageEvent:
    """An event of a journey's message: which participant's entry and activity it is about."""

    journey_id: str
    run: str
    participant: str  # its key
    entry: int
    activity_id: str
    endpoint_id: str
    event_type: str  # `_email.open`, ...; a `_journey.send` as `_journey.send:<journey_send_status>`
    day: str = ""  # yyyy-mm-dd (UTC) of the event: the day it counts on (engage.journeys.kpis)
    event_id: str = ""


def message_event(record: Mapping[str, Any]) -> MessageEvent | None:
    """The journey message an event is about, from the tags its send carried; None for any other
    event."""
    attributes = record.get("attributes") or {}
    journey_id, activity_id = attributes.get("journey_id"), attributes.get("journey_activity_id")
    tagged = read_participant_tag(str(attributes.get(PARTICIPANT_TAG) or ""))
    event_type = str(record.get("event_type") or "")
    if not (journey_id and activity_id and tagged and event_type.startswith("_")):
        return None
    participant, entry = tagged
    if event_type == SEND_EVENT:
        event_type = f"{SEND_EVENT}:{attributes.get('journey_send_status') or 'UNKNOWN'}"
    endpoint_id = (record.get("client") or {}).get("client_id") or attributes.get("endpoint_id") or ""
    stamp = record.get("event_timestamp") or record.get("arrival_timestamp")
    day = datetime.fromtimestamp(int(stamp) / 1000, UTC).date().isoformat() if stamp else ""
    return MessageEvent(
        journey_id,
        str(attributes.get("journey_run_id") or ""),
        participant,
        entry,
        activity_id,
        str(endpoint_id),
        event_type,
        day,
        str(record.get("event_id") or ""),
    )
