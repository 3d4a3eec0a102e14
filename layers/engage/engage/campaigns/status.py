"""A campaign's CampaignStatus as Pinpoint reported it, from its schedule and its runs: SCHEDULED
before its first run, EXECUTING while a run is under way (one waiting on a person's approval too),
then COMPLETED for a campaign that runs once, and for a recurring or event-triggered one
PENDING_NEXT_RUN until its EndTime has passed, COMPLETED after it. PAUSED and DELETED stay as they
were written (UpdateCampaign's IsPaused, DeleteCampaign). Worked out when a campaign is read, so
that it is never stale: the runs are the record of what happened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from engage.campaigns.runs import RUN_TYPE
from engage.campaigns.triggers import instant

ENDED = frozenset({"COMPLETED", "FAILED", "CANCELLED"})  # a run's final JobStatus
WRITTEN = frozenset({"PAUSED", "DELETED", "INVALID"})  # statuses a write decides, not a run


def campaign_status(campaign: Mapping[str, Any], runs: Sequence[Mapping[str, Any]], now: datetime) -> str:
    stored = (campaign.get("State") or {}).get("CampaignStatus", "SCHEDULED")
    if campaign.get("IsPaused"):
        return "PAUSED"
    if stored in WRITTEN:
        return stored
    mine = [
        r for r in runs if r.get("Type") == RUN_TYPE and r["Definition"].get("CampaignId") == campaign["Id"]
    ]
    if any(r["JobStatus"] not in ENDED for r in mine):
        return "EXECUTING"
    schedule = campaign.get("Schedule") or {}
    if schedule.get("Frequency", "ONCE") == "ONCE":
        return "COMPLETED" if mine else "SCHEDULED"
    end = schedule.get("EndTime")
    if end and now > instant(end):
        return "COMPLETED"
    return "PENDING_NEXT_RUN" if mine else "SCHEDULED"


def with_status(
    campaign: Mapping[str, Any], runs: Sequence[Mapping[str, Any]], now: datetime
) -> dict[str, Any]:
    """The campaign with its State and DefaultState as of `now`."""
    status = campaign_status(campaign, runs, now)
    return {**campaign, "State": {"CampaignStatus": status}, "DefaultState": {"CampaignStatus": status}}
