"""Event-triggered campaigns (Schedule.Frequency EVENT): which active campaigns an incoming event
starts, matched on Pinpoint's EventFilter, with Pinpoint's restrictions.

- FilterType ENDPOINT matches the events an application reports (custom event types); SYSTEM
  matches the ones the platform emits (`_email.*`, `_SMS.*`, `_campaign.*`, ...).
- Dimensions: EventType (a set dimension), Attributes (Pinpoint's attribute dimensions over the
  event's string attributes), Metrics (comparisons over its numbers); all must hold.
- A campaign is active from StartTime (IMMEDIATE: from creation) to EndTime, and not paused.
- An event more than five minutes old when it is matched is late: Pinpoint dropped those, and so
  do we, counted, never sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from engage.segments.dimensions import COMPARISONS, attribute_matches, in_set

MAX_EVENT_AGE = timedelta(minutes=5)


@dataclass(frozen=True)
class Trigger:
    campaign: Mapping[str, Any]
    late: bool  # matched, but the event is too old: dropped and counted


def triggered(
    campaigns: Iterable[Mapping[str, Any]], record: Mapping[str, Any], now: datetime
) -> list[Trigger]:
    """The event campaigns an event-stream record starts."""
    event_at = datetime.fromtimestamp(
        int(record.get("event_timestamp") or record["arrival_timestamp"]) / 1000, UTC
    )
    late = now - event_at > MAX_EVENT_AGE
    found = []
    for campaign in campaigns:
        schedule = campaign.get("Schedule") or {}
        if schedule.get("Frequency") != "EVENT" or not active(campaign, now):
            continue
        if event_matches(schedule.get("EventFilter") or {}, record):
            found.append(Trigger(campaign, late))
    return found


def active(campaign: Mapping[str, Any], now: datetime) -> bool:
    if campaign.get("IsPaused") or (campaign.get("State") or {}).get("CampaignStatus") in (
        "PAUSED",
        "DELETED",
    ):
        return False
    schedule = campaign.get("Schedule") or {}
    start = schedule.get("StartTime")
    if start and start != "IMMEDIATE" and now < instant(start):
        return False
    end = schedule.get("EndTime")
    return not (end and now > instant(end))


def event_matches(event_filter: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    event_type = str(record.get("event_type", ""))
    system = event_type.startswith("_")
    if (event_filter.get("FilterType", "ENDPOINT") == "SYSTEM") != system:
        return False
    dimensions = event_filter.get("Dimensions") or {}
    if dimensions.get("EventType") and not in_set(event_type, dimensions["EventType"]):
        return False
    attributes = record.get("attributes") or {}
    for name, dimension in (dimensions.get("Attributes") or {}).items():
        held = attributes.get(name)
        if not attribute_matches([held] if held is not None else [], dimension):
            return False
    metrics = record.get("metrics") or {}
    for name, dimension in (dimensions.get("Metrics") or {}).items():
        value = metrics.get(name)
        if value is None or not COMPARISONS[dimension["ComparisonOperator"]](
            float(value), float(dimension["Value"])
        ):
            return False
    return True


def instant(text: str) -> datetime:
    """An ISO 8601 time with its offset (Z or +hh:mm), in UTC: the campaigns' times, a schedule's
    firing, a local-time run's moment."""
    return datetime.fromisoformat(text).astimezone(UTC)
