"""When a campaign runs, as Pinpoint ran it: an IMMEDIATE campaign (or one whose start has passed)
starts when it is created or updated; a later ONCE campaign at its StartTime; a recurring one
(HOURLY, DAILY, WEEKLY, MONTHLY) from its StartTime until its EndTime, on EventBridge Scheduler;
an EVENT campaign when its events arrive (engage.campaigns.on_event); a paused one never.

Runs are named after what started them: `<campaign>-v<version>` for a start on creation or
update, `<campaign>-<scheduled minute>` for a scheduled one, so a retried API call or a schedule
delivered twice (Scheduler delivers at least once) starts one run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

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
    if campaign.get("IsPaused") or frequency == "EVENT":
        return SchedulePlan()
    start_text = schedule.get("StartTime", "IMMEDIATE")
    start = now if start_text == "IMMEDIATE" else _instant(start_text)
    end = _instant(schedule["EndTime"]) if schedule.get("EndTime") else None
    if end is not None and end <= now:
        return SchedulePlan()  # over
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


def schedule_name(app_id: str, campaign_id: str) -> str:
    """Scheduler names are at most 64 characters; application and campaign ids together may not be."""
    return "campaign-" + hashlib.sha256(f"{app_id}/{campaign_id}".encode()).hexdigest()[:48]


def immediate_run_id(campaign: Mapping[str, Any]) -> str:
    return _bounded(f"{campaign['Id']}-v{campaign['Version']}")


def scheduled_run_id(campaign_id: str, scheduled_time: str) -> str:
    at = _instant(scheduled_time)
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


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


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
        self.workflow.start(run_id, {"ApplicationId": app_id, "CampaignId": campaign_id})
        return run_id

    def remove(self, campaign: Mapping[str, Any]) -> None:
        """After DeleteCampaign: nothing more is scheduled."""
        self.schedules.delete(schedule_name(campaign["ApplicationId"], campaign["Id"]))
