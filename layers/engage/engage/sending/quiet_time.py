"""Quiet time as Pinpoint documented it (`Schedule.QuietTime`, `ApplicationSettingsResource.QuietTime`):
a message is not sent to an endpoint while all of these hold —

- the endpoint's `Demographic.Timezone` is a valid time zone;
- the time in that zone is later than or equal to `QuietTime.Start`;
- the time in that zone is earlier than or equal to `QuietTime.End` (HH:MM, so the whole End
  minute is quiet; a range may span midnight, as 22:00 to 08:00 does).

If any does not hold the endpoint receives the message, even with quiet time set: an endpoint
without a valid zone is never in quiet time. What happens to a message that meets quiet time is
the sender's choice per message (`QUIET_TIME_ACTIONS`): skipped with the reason, as Pinpoint's
campaigns did, or held until quiet time ends in the endpoint's zone, as journeys' WaitForQuietTime
does. Daylight saving is the zone's: quiet time ends at End's next minute on the local clock."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engage.errors import ValidationError

SKIP, HOLD = "SKIP", "HOLD"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
QUIET_TIME_ACTIONS = (SKIP, HOLD)


def endpoint_zone(endpoint: Mapping[str, Any]) -> ZoneInfo | None:
    """The endpoint's own time zone (`Demographic.Timezone`), or None when it has no valid one."""
    name = (endpoint.get("Demographic") or {}).get("Timezone")
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)  # refuses paths and unknown names alike
    except (ZoneInfoNotFoundError, ValueError):
        return None


def in_quiet_time(now: datetime, zone: ZoneInfo | None, quiet: Mapping[str, str]) -> bool:
    """Whether `now` falls in the quiet time in `zone` (never without a zone)."""
    if zone is None:
        return False
    local = now.astimezone(zone)
    minute = time(local.hour, local.minute)
    start, end = _clock(quiet["Start"]), _clock(quiet["End"])
    if start <= end:
        return start <= minute <= end
    return minute >= start or minute <= end


def quiet_time_ends(now: datetime, zone: ZoneInfo, quiet: Mapping[str, str]) -> datetime:
    """When the quiet time `now` falls in ends (UTC): the minute after End, on the first local day
    at or after now's whose End minute is not yet past. A local time that a spring-forward skips is
    read with the offset before the change (02:11 EST is 03:11 EDT), as zoneinfo reads it."""
    local = now.astimezone(zone)
    end = _clock(quiet["End"])
    for days in range(2):
        day = local.date() + timedelta(days=days)
        wall = datetime.combine(day, end, tzinfo=zone) + timedelta(minutes=1)
        moment = wall.astimezone(UTC)
        if moment > now.astimezone(UTC):
            return moment
    raise AssertionError("quiet time ends within a day")  # pragma: no cover - End recurs every day


def check_quiet_time(quiet: Any, field: str = "QuietTime") -> dict[str, str]:
    """Pinpoint's QuietTime: Start and End as HH:MM on a 24-hour clock."""
    if not isinstance(quiet, Mapping) or not all(
        _HHMM.match(str(quiet.get(k, ""))) for k in ("Start", "End")
    ):
        raise ValidationError(field, "Start and End are HH:MM (24-hour)")
    return {"Start": str(quiet["Start"]), "End": str(quiet["End"])}


def check_action(value: object, field: str = "QuietTimeAction") -> str:
    if value not in QUIET_TIME_ACTIONS:
        raise ValidationError(field, f"must be one of {', '.join(QUIET_TIME_ACTIONS)}")
    return str(value)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
