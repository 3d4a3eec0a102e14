"""A journey's schedule with `LocalTime`: "the journey's scheduled start and end times use each
participant's local time" (Pinpoint). The times of day (and dates) written in `Schedule.StartTime`
and `EndTime` are read in each participant's zone (its endpoints' `Demographic.Timezone`, or the
journey's `TimezoneEstimationMethods`), whatever offset they carry. The journey as a whole is open
from the moment the earliest zone (UTC+14) reaches the start until the latest (UTC-12) passes the
end; within that, each participant enters at its own local start and no later than its own end.
A participant without a zone can't have a local schedule: it does not enter (Pinpoint's
ENDPOINT_MISSING_TIMEZONE)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engage.journeys.model import instant
from engage.sending.sending_hours import zone_of

EARLIEST = timedelta(hours=14)  # the earliest zone's offset: its day starts first
LATEST = timedelta(hours=12)  # the latest zone's: its day ends last


def local(journey: Mapping[str, Any]) -> bool:
    return bool(journey.get("LocalTime"))


def bound(journey: Mapping[str, Any], field: str) -> float | None:
    """When the journey as a whole starts or ends (epoch seconds; None: not set)."""
    value = (journey.get("Schedule") or {}).get(field)
    if not value:
        return None
    at = instant(value, f"Schedule.{field}")
    if local(journey):
        at = at - EARLIEST if field == "StartTime" else at + LATEST
    return at.timestamp()


def zone_for(journey: Mapping[str, Any], endpoints: Iterable[Mapping[str, Any]]) -> ZoneInfo | None:
    """A participant's zone: its first endpoint's that has or estimates one."""
    methods = tuple(journey.get("TimezoneEstimationMethods") or ())
    return next((z for z in (zone_of(e, methods) for e in endpoints) if z is not None), None)


def local_bound(journey: Mapping[str, Any], field: str, zone: ZoneInfo) -> float | None:
    """When the schedule's start or end comes in `zone` (epoch seconds; None: not set)."""
    value = (journey.get("Schedule") or {}).get(field)
    if not value:
        return None
    written = instant(value, f"Schedule.{field}").replace(tzinfo=None)  # its date and time of day
    return datetime.combine(written.date(), written.time(), tzinfo=zone).timestamp()
