"""What copying a journey takes (A17, extended to journeys): the segments it starts from or judges
(`SegmentStartCondition`, an event start's `SegmentId`, the splits' `SegmentCondition`s), the
templates its message activities send, and its WriteJourneyRequest with those segments remapped to
their copies. A copy is created as a draft: like a paused campaign, it never sends by itself, and is
published in the target when its owner says so. A published copy is not updated (Pinpoint freezes a
published journey's activities): the plan says so."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from engage.journeys.model import WRITE_MEMBERS

# A message activity's type -> its template's type
TEMPLATE_KINDS = {"EMAIL": "EMAIL", "SMS": "SMS", "PUSH": "PUSH"}
RESPONSE_ONLY = frozenset({"CreationDate", "LastModifiedDate", "State"})


def _segment_slots(journey: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every object of the journey holding a `SegmentId` (mutable, in a copy of the journey)."""
    start = journey.get("StartCondition") or {}
    for key in ("SegmentStartCondition", "EventStartCondition"):
        if (start.get(key) or {}).get("SegmentId"):
            yield start[key]
    for activity in (journey.get("Activities") or {}).values():
        for split in ("ConditionalSplit", "MultiCondition"):
            part = activity.get(split) or {}
            conditions = list((part.get("Condition") or {}).get("Conditions") or [])
            conditions += [(b.get("Condition") or {}) for b in part.get("Branches") or []]
            for condition in conditions:
                if (condition.get("SegmentCondition") or {}).get("SegmentId"):
                    yield condition["SegmentCondition"]


def segment_ids(journey: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(slot["SegmentId"] for slot in _segment_slots(journey)))


def template_refs(journey: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(template name, template type) of each message activity."""
    found = []
    for activity in (journey.get("Activities") or {}).values():
        for kind, template_kind in TEMPLATE_KINDS.items():
            name = (activity.get(kind) or {}).get("TemplateName")
            if name:
                found.append((name, template_kind))
    return list(dict.fromkeys(found))


def journey_request(journey: Mapping[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    """The copy's WriteJourneyRequest: the journey's own members (its schedule's times as botocore
    parsed them), its segments the copies', its templates' versions left to the target (a copied
    template's versions are its own)."""
    request = {
        k: copy.deepcopy(v) for k, v in journey.items() if k in WRITE_MEMBERS and k not in RESPONSE_ONLY
    }
    for slot in _segment_slots(request):
        slot["SegmentId"] = ids.get(slot["SegmentId"], slot["SegmentId"])
    for activity in (request.get("Activities") or {}).values():
        for kind in TEMPLATE_KINDS:
            (activity.get(kind) or {}).pop("TemplateVersion", None)
    return request
