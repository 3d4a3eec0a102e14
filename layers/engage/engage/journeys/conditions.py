"""How a split's SimpleCondition is judged for one participant, as Pinpoint's journeys judged it:

- SegmentCondition: one of the participant's endpoints is in the segment (a dynamic segment's
  membership, read without reading its population; an imported segment has no such test and the
  condition is false);
- SegmentDimensions (`segmentDimensions` on the wire): one of its endpoints matches the
  dimensions, as a segment's would;
- EventCondition: the message the activity `MessageActivity` sent the participant had an event of
  the types `Dimensions.EventType` names (`_email.open`, `_email.click`, `_SMS.SUCCESS`, ...), as
  reported on the event stream. Attribute and metric dimensions of an event condition are not
  judged (the message events carry none of their own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engage.errors import NotFoundError, ValidationError
from engage.journeys.participants import Participant
from engage.segments.dimensions import in_set, matches

Membership = Callable[[str, str], Callable[[Mapping[str, Any]], bool]]
EventsOf = Callable[[str, str, str, str], set[str]]  # (app, journey, participant, activity): event types


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
                self.app_id, self.journey_id, participant.key, event.get("MessageActivity") or ""
            )
            wanted = (event.get("Dimensions") or {}).get("EventType")
            return any(in_set(t, wanted) for t in seen) if wanted else bool(seen)
        return False


def message_event(record: Mapping[str, Any]) -> tuple[str, str, str, str] | None:
    """(journey, participant, activity, event type) of an event of a journey's message, from the
    tags its send carried; None for any other event."""
    attributes = record.get("attributes") or {}
    journey_id, activity_id = attributes.get("journey_id"), attributes.get("journey_activity_id")
    run = attributes.get("journey_run_id") or ""
    event_type = str(record.get("event_type") or "")
    if not (journey_id and activity_id and "-" in run and event_type.startswith("_")):
        return None
    return journey_id, run.rsplit("-", 1)[0], activity_id, event_type
