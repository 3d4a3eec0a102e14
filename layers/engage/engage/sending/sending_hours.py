"""A journey's sending schedule as Pinpoint documented it: `OpenHours` (per channel, per day of the
week, the local times a message may go out) and `ClosedDays` (per channel, named spans in which
none goes out), in the endpoint's time zone, applying only to a journey with `SendingSchedule` and
quiet time set. A channel with open hours on some days is closed on the days it lists none. A
closed day's StartDateTime and EndDateTime without an offset are local times in the endpoint's
zone; with one, they are that instant everywhere.

`TimezoneEstimationMethods` give an endpoint without `Demographic.Timezone` a zone, trying the
methods in the order listed: PHONE_NUMBER, the zone of its phone number when the number has exactly
one (libphonenumber's time zone data); POSTAL_CODE, the zone of its `Location.PostalCode` for an
endpoint whose `Location.Country` is `US` (the `zipcodes` package's ZIP code data; other countries'
postal codes estimate nothing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import zipcodes
from phonenumbers import timezone as number_zones

from engage.errors import ValidationError
from engage.sending.quiet_time import endpoint_zone

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
ESTIMATION_METHODS = ("PHONE_NUMBER", "POSTAL_CODE")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
HORIZON = timedelta(days=400)  # how far ahead the next open minute is looked for


def zone_of(endpoint: Mapping[str, Any], methods: Sequence[str] = ()) -> ZoneInfo | None:
    """The endpoint's own zone, else the first one `methods` estimate (None when none does)."""
    zone = endpoint_zone(endpoint)
    for method in methods if zone is None else ():
        zone = _by_phone_number(endpoint) if method == "PHONE_NUMBER" else _by_postal_code(endpoint)
        if zone is not None:
            return zone
    return zone


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _by_postal_code(endpoint: Mapping[str, Any]) -> ZoneInfo | None:
    location = endpoint.get("Location") or {}
    code = str(location.get("PostalCode") or "").strip()
    if str(location.get("Country") or "").upper() not in ("US", "USA") or not re.match(
        r"^\d{5}(-\d{4})?$", code
    ):
        return None
    try:
        found = {z["timezone"] for z in zipcodes.matching(code[:5]) if z.get("timezone")}
    except (TypeError, ValueError):
        return None
    return _zone(found.pop()) if len(found) == 1 else None


def _by_phone_number(endpoint: Mapping[str, Any]) -> ZoneInfo | None:
    address = endpoint.get("Address")
    if endpoint.get("ChannelType") not in ("SMS", "VOICE") or not isinstance(address, str):
        return None
    try:
        names = set(number_zones.time_zones_for_number(phonenumbers.parse(address, None)))
    except phonenumbers.NumberParseException:
        return None
    if len(names) != 1:
        return None  # several zones (or libphonenumber's "Etc/Unknown"): no estimate
    return _zone(names.pop())


def opens_at(
    now: datetime,
    zone: ZoneInfo,
    open_hours: Mapping[str, Sequence[Mapping[str, str]]] | None,
    closed_days: Sequence[Mapping[str, str]] | None,
) -> datetime | None:
    """None when a message may go out at `now`; else the first moment (UTC) it may, or `now` +
    HORIZON if none comes within it."""
    moment = now.astimezone(UTC)
    limit = moment + HORIZON
    while moment < limit:
        closed = _closed_until(moment, zone, closed_days or ())
        if closed is not None:
            moment = closed
            continue
        opening = _next_open(moment, zone, open_hours or {})
        if opening is None or opening == moment:
            return None if moment == now.astimezone(UTC) else moment
        moment = opening
    return limit


def _closed_until(moment: datetime, zone: ZoneInfo, rules: Sequence[Mapping[str, str]]) -> datetime | None:
    """The end of the closed day `moment` falls in (None: none)."""
    for rule in rules:
        start, end = _at(rule["StartDateTime"], zone), _at(rule["EndDateTime"], zone)
        if start <= moment < end:
            return end
    return None


def _next_open(
    moment: datetime, zone: ZoneInfo, open_hours: Mapping[str, Sequence[Mapping[str, str]]]
) -> datetime | None:
    """`moment` when it is within open hours, else the next opening (None: no open hours set)."""
    if not any(open_hours.get(day) for day in DAYS):
        return None
    local = moment.astimezone(zone)
    for days in range(8):
        day = local.date() + timedelta(days=days)
        for rule in sorted(open_hours.get(DAYS[day.weekday()]) or [], key=lambda r: r["StartTime"]):
            start = datetime.combine(day, _clock(rule["StartTime"]), tzinfo=zone)
            end = datetime.combine(day, _clock(rule["EndTime"]), tzinfo=zone)
            if start <= local < end:
                return moment
            if local < start:
                return start.astimezone(UTC)
    return None  # pragma: no cover - a listed day recurs within a week


def _at(text: str, zone: ZoneInfo) -> datetime:
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (at if at.tzinfo else at.replace(tzinfo=zone)).astimezone(UTC)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def check_open_hours(value: Any, field: str = "OpenHours") -> dict[str, list[dict[str, str]]]:
    """One channel's open hours: days of the week, each a list of StartTime and EndTime (HH:MM)."""
    if not isinstance(value, Mapping) or set(value) - set(DAYS):
        raise ValidationError(field, f"must map days of the week ({', '.join(DAYS)}) to open hours")
    checked: dict[str, list[dict[str, str]]] = {}
    for day, rules in value.items():
        if not isinstance(rules, list):
            raise ValidationError(f"{field}.{day}", "must be a list of StartTime and EndTime")
        for n, rule in enumerate(rules):
            times = [rule.get(k) for k in ("StartTime", "EndTime")] if isinstance(rule, Mapping) else []
            if len(times) != 2 or not all(isinstance(t, str) and _HHMM.match(t) for t in times):
                raise ValidationError(f"{field}.{day}[{n}]", "StartTime and EndTime are HH:MM (24-hour)")
            if times[0] >= times[1]:
                raise ValidationError(f"{field}.{day}[{n}]", "EndTime must come after StartTime")
        checked[day] = [{"StartTime": r["StartTime"], "EndTime": r["EndTime"]} for r in rules]
    return checked


def check_closed_days(value: Any, field: str = "ClosedDays") -> list[dict[str, str]]:
    """One channel's closed days: each a Name, StartDateTime and EndDateTime (ISO 8601)."""
    if not isinstance(value, list):
        raise ValidationError(field, "must be a list of Name, StartDateTime and EndDateTime")
    checked = []
    for n, rule in enumerate(value):
        where = f"{field}[{n}]"
        if not isinstance(rule, Mapping):
            raise ValidationError(where, "must be an object of Name, StartDateTime and EndDateTime")
        try:
            start, end = (_at(str(rule[k]), ZoneInfo("UTC")) for k in ("StartDateTime", "EndDateTime"))
        except (KeyError, ValueError) as exc:
            raise ValidationError(where, "StartDateTime and EndDateTime are ISO 8601 date-times") from exc
        if end <= start:
            raise ValidationError(where, "EndDateTime must come after StartDateTime")
        checked.append({k: str(rule[k]) for k in ("Name", "StartDateTime", "EndDateTime") if rule.get(k)})
    return checked
