"""When a campaign runs, as Pinpoint ran it: an IMMEDIATE campaign (or one whose start has passed)
starts when it is created or updated; a later ONCE campaign at its StartTime; a recurring one
(HOURLY, DAILY, WEEKLY, MONTHLY) from its StartTime until its EndTime, on EventBridge Scheduler;
an EVENT campaign when its events arrive (engage.campaigns.on_event); a paused one never.

With `IsLocalTime`, a scheduled campaign's StartTime is a wall-clock time in each recipient's zone
(09:00 is 09:00 in Lisbon and later in Chicago): the schedule fires every quarter hour across the
day's zones, and each firing whose minute is that wall-clock time somewhere runs for the endpoints
of those zones (the others are counted OTHER_TIME_ZONE in that run).

Runs are named after what started them: `<campaign>-v<version>` for a start on creation or
update, `<campaign>-<scheduled minute>` for a scheduled one, so a retried API call or a schedule
delivered twice (Scheduler delivers at least once) starts one run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, available_timezones

from engage.campaigns.triggers import active, instant

# A start this close to now is now: Scheduler refuses one-time schedules in the past.
NOW_MARGIN = timedelta(minutes=1)
MAX_RUN_ID = 80  # Step Functions' execution name limit


@dataclass(frozen=True)
class SchedulePlan:
    start_now: bool = False
    expression: str | None = None  # at(...) or cron(...), in UTC
    start_date: datetime | None = None
    end_date: datetime | None = None


def schedule_plan(campaign: Mapping[str, Any], now: datetime) -> SchedulePlan:
    schedule = campaign.get("Schedule") or {}
    frequency = schedule.get("Frequency", "ONCE")
    if campaign.get("IsPaused") or frequency in ("EVENT", "IN_APP_EVENT"):  # run by events, or fetched
        return SchedulePlan()
    start_text = schedule.get("StartTime", "IMMEDIATE")
    start = now if start_text == "IMMEDIATE" else instant(start_text)
    end = instant(schedule["EndTime"]) if schedule.get("EndTime") else None
    if end is not None and end <= now:
        return SchedulePlan()  # over
    if local_time(campaign):
        return _local_plan(frequency, wall_clock(campaign), end, now)
    if frequency == "ONCE":
        if start <= now + NOW_MARGIN:
            return SchedulePlan(start_now=True)
        return SchedulePlan(expression=f"at({start:%Y-%m-%dT%H:%M:%S})")
    minute, hour, day = start.minute, start.hour, start.day
    weekday = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[start.weekday()]
    cron = {
        "HOURLY": f"cron({minute} * * * ? *)",
        "DAILY": f"cron({minute} {hour} * * ? *)",
        "WEEKLY": f"cron({minute} {hour} ? * {weekday} *)",
        "MONTHLY": f"cron({minute} {hour} {day} * ? *)",
    }[frequency]
    return SchedulePlan(expression=cron, start_date=max(start, now), end_date=end)


# Zones run from UTC-12 to UTC+14; offsets come in quarter hours (Nepal's +05:45, India's +05:30).
EARLIEST_OFFSET, LATEST_OFFSET, STEP = timedelta(hours=14), timedelta(hours=12), timedelta(minutes=15)


def _local_plan(frequency: str, wall: datetime, end: datetime | None, now: datetime) -> SchedulePlan:
    first = wall.replace(tzinfo=UTC) - EARLIEST_OFFSET  # where the day's wall clock comes first
    last = wall.replace(tzinfo=UTC) + LATEST_OFFSET + STEP if frequency == "ONCE" else end
    if last is not None and last <= now:
        return SchedulePlan()
    return SchedulePlan(expression="cron(0/15 * * * ? *)", start_date=max(first, now), end_date=last)


def wall_clock(campaign: Mapping[str, Any]) -> datetime:
    """A local-time campaign's StartTime as the wall-clock time it names (its offset ignored)."""
    text = str((campaign.get("Schedule") or {})["StartTime"])
    return datetime.fromisoformat(text).replace(tzinfo=None)


def local_time_due(campaign: Mapping[str, Any], zone: ZoneInfo, at: datetime) -> bool:
    """Whether the firing at `at` is the campaign's wall-clock time in `zone` (within its quarter
    hour), on a day the campaign's frequency runs."""
    wall, local = wall_clock(campaign), at.astimezone(zone)
    frequency = (campaign.get("Schedule") or {}).get("Frequency", "ONCE")
    if frequency == "HOURLY":
        return (local.minute - wall.minute) % 60 < STEP.seconds // 60
    since = (local.hour * 60 + local.minute) - (wall.hour * 60 + wall.minute)
    if not 0 <= since < STEP.seconds // 60:
        return False
    return {
        "ONCE": local.date() == wall.date(),
        "DAILY": local.date() >= wall.date(),
        "WEEKLY": local.date() >= wall.date() and local.weekday() == wall.weekday(),
        "MONTHLY": local.date() >= wall.date() and local.day == wall.day,
    }[frequency]


def zones_due(campaign: Mapping[str, Any], at: datetime) -> bool:
    """Whether the firing at `at` is the campaign's time anywhere (else it starts no run)."""
    return any(local_time_due(campaign, ZoneInfo(name), at) for name in _zones())


# How long the time zones a local-time campaign's audience was seen in stand for it: one local day
# (09:00 comes to the whole world within 26 hours). Pinpoint fixed a local-time campaign's audience
# when it started; here a firing starts a run where someone in the audience may be due, and the
# zones are seen again at least once a day.
ZONES_FRESH = timedelta(hours=26)


@dataclass(frozen=True)
class ZoneSnapshot:
    """The zones a local-time campaign's segment was last evaluated in, and when."""

    zones: frozenset[str]
    seen_at: datetime


class ZoneSnapshots(Protocol):
    def get(self, app_id: str, campaign_id: str) -> ZoneSnapshot | None: ...
    def put(self, app_id: str, campaign_id: str, snapshot: ZoneSnapshot) -> None: ...


def reaches_anyone(campaign: Mapping[str, Any], at: datetime, snapshot: ZoneSnapshot | None) -> bool:
    """Whether a local-time firing at `at` may reach someone of the campaign's audience: always
    when its zones were not seen within a local day (the run sees them again), else only when it
    is the campaign's wall-clock time in one of them."""
    if snapshot is None or at - snapshot.seen_at > ZONES_FRESH:
        return True
    return any(local_time_due(campaign, ZoneInfo(zone), at) for zone in snapshot.zones)


def local_time(campaign: Mapping[str, Any]) -> bool:
    """Whether the campaign's scheduled StartTime is a wall-clock time in each recipient's zone."""
    schedule = campaign.get("Schedule") or {}
    return bool(schedule.get("IsLocalTime")) and schedule.get("StartTime", "IMMEDIATE") != "IMMEDIATE"


def runs_at(campaign: Mapping[str, Any], at: datetime) -> bool:
    """Whether a firing at `at` runs the campaign: not paused or deleted, inside its window (for a
    local-time campaign, the window as the day's zones see it, and only at someone's time)."""
    schedule = campaign.get("Schedule") or {}
    if not local_time(campaign):
        return active(campaign, at)
    status = (campaign.get("State") or {}).get("CampaignStatus")
    if campaign.get("IsPaused") or status in ("PAUSED", "DELETED"):
        return False
    end = instant(schedule["EndTime"]) + LATEST_OFFSET + STEP if schedule.get("EndTime") else None
    return (end is None or at <= end) and zones_due(campaign, at)


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def schedule_name(app_id: str, campaign_id: str) -> str:
    """Scheduler names are at most 64 characters; application and campaign ids together may not be."""
    return "campaign-" + hashlib.sha256(f"{app_id}/{campaign_id}".encode()).hexdigest()[:48]


def immediate_run_id(campaign: Mapping[str, Any]) -> str:
    return _bounded(f"{campaign['Id']}-v{campaign['Version']}")


def scheduled_run_id(campaign_id: str, scheduled_time: str) -> str:
    at = instant(scheduled_time)
    return _bounded(f"{campaign_id}-{at:%Y%m%dT%H%M}")


def schedule_input(app_id: str, campaign_id: str) -> dict[str, str]:
    """What a firing schedule hands the campaign schedule function (Scheduler fills in the time)."""
    return {
        "ApplicationId": app_id,
        "CampaignId": campaign_id,
        "ScheduledTime": "<aws.scheduler.scheduled-time>",
    }


def _bounded(run_id: str) -> str:
    if len(run_id) <= MAX_RUN_ID:
        return run_id
    return f"{run_id[:40]}-{hashlib.sha256(run_id.encode()).hexdigest()[:32]}"


class Schedules(Protocol):
    def put(self, name: str, plan: SchedulePlan, document: Mapping[str, Any]) -> None: ...
    def delete(self, name: str) -> None: ...


class Starter(Protocol):
    def start(self, name: str, document: dict[str, Any]) -> bool: ...


@dataclass
class Launcher:
    """Keeps a campaign's schedule in step with its definition, and starts the run due now."""

    schedules: Schedules
    workflow: Starter
    clock: Callable[[], datetime]
    # Records a run before its workflow starts (run id, campaign, workflow input), so that
    # GetCampaignActivities shows an IMMEDIATE campaign's run as soon as CreateCampaign answers, as
    # Pinpoint's did; the workflow's first step finds it recorded.
    record_run: Callable[[str, Mapping[str, Any], dict[str, Any]], None] | None = None

    def apply(self, campaign: Mapping[str, Any]) -> str | None:
        """After CreateCampaign or UpdateCampaign: the run started now, if one is due."""
        app_id, campaign_id = campaign["ApplicationId"], campaign["Id"]
        plan = schedule_plan(campaign, self.clock())
        name = schedule_name(app_id, campaign_id)
        if plan.expression:
            self.schedules.put(name, plan, schedule_input(app_id, campaign_id))
        else:
            self.schedules.delete(name)
        if not plan.start_now:
            return None
        run_id = immediate_run_id(campaign)
        request = {"ApplicationId": app_id, "CampaignId": campaign_id}
        if self.record_run is not None:
            self.record_run(run_id, campaign, request)
        self.workflow.start(run_id, request)
        return run_id

    def remove(self, campaign: Mapping[str, Any]) -> None:
        """After DeleteCampaign: nothing more is scheduled."""
        self.schedules.delete(schedule_name(campaign["ApplicationId"], campaign["Id"]))
