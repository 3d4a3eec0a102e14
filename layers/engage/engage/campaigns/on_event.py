"""What an event on the stream does to event-triggered campaigns: each active EVENT campaign whose
filter it matches sends to the event's endpoint, under the same holdout, consent, suppression,
FILTER hook, quiet time and caps as any run, when the endpoint is in the campaign's segment.

- One event is one run of each campaign it triggers, named after the event (`event-<event id>`),
  so a replayed stream record queues the same sends again and the ledger sends them once.
- Pinpoint's restrictions: the segment must be dynamic (an imported segment, or one built on it,
  is refused: STATIC_SEGMENT); an event more than five minutes old is dropped (LATE), counted.
- A campaign never triggers on the events of its own messages (no loops through SYSTEM filters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from engage.campaigns.runs import RunTools, run_batch
from engage.campaigns.triggers import triggered
from engage.errors import NotFoundError, ValidationError

OUTCOMES = ("LATE", "NO_ENDPOINT", "NO_SEGMENT", "NOT_IN_SEGMENT", "STATIC_SEGMENT")


def event_run_id(record: Mapping[str, Any]) -> str:
    return f"event-{record['event_id']}"


def on_event(
    record: Mapping[str, Any],
    campaigns: list[Mapping[str, Any]],
    endpoint_of: Callable[[str, str], Mapping[str, Any] | None],
    in_segment: Callable[[str, str], Callable[[Mapping[str, Any]], bool]],
    tools: RunTools,
    now: datetime,
) -> dict[str, int]:
    """The counts of what one event did to the application's `campaigns`: the run counts (Queued,
    and skipped by reason) added over the campaigns it triggered, and OUTCOMES of those it could
    not. `in_segment(app, segment id)` answers a predicate, or raises ValidationError for a static
    segment."""
    counts: dict[str, int] = {}
    app_id = record["application"]["app_id"]
    endpoint_id = (record.get("client") or {}).get("client_id")
    own = (record.get("attributes") or {}).get("campaign_id")
    for trigger in triggered([c for c in campaigns if c["Id"] != own], record, now):
        campaign = trigger.campaign
        outcome = _refusal(trigger.late, app_id, endpoint_id, campaign, endpoint_of, in_segment)
        if isinstance(outcome, str):
            counts[outcome] = counts.get(outcome, 0) + 1
            continue
        for reason, n in run_batch(campaign, event_run_id(record), [outcome], now, tools).items():
            if n:
                counts[reason] = counts.get(reason, 0) + n
    return counts


def _refusal(
    late: bool,
    app_id: str,
    endpoint_id: str | None,
    campaign: Mapping[str, Any],
    endpoint_of: Callable[[str, str], Mapping[str, Any] | None],
    in_segment: Callable[[str, str], Callable[[Mapping[str, Any]], bool]],
) -> str | Mapping[str, Any]:
    """Why the campaign can't send for this event, or the endpoint it sends to."""
    if late:
        return "LATE"
    endpoint = endpoint_of(app_id, endpoint_id) if endpoint_id else None
    if endpoint is None:
        return "NO_ENDPOINT"
    try:
        member = in_segment(app_id, campaign["SegmentId"])
    except ValidationError:
        return "STATIC_SEGMENT"
    except NotFoundError:
        return "NO_SEGMENT"
    return endpoint if member(endpoint) else "NOT_IN_SEGMENT"
