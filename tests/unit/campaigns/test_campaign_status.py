"""CampaignStatus as Pinpoint reported it, worked out from a campaign's schedule and runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from engage.campaigns.runs import RUN_TYPE
from engage.campaigns.status import campaign_status, with_status

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _campaign(frequency=None, end=None, **fields):
    schedule = {"StartTime": "IMMEDIATE", **({"Frequency": frequency} if frequency else {})}
    if end:
        schedule["EndTime"] = end
    return {"Id": "c1", "Schedule": schedule, "State": {"CampaignStatus": "SCHEDULED"}, **fields}


def _run(status, campaign_id="c1", kind=RUN_TYPE):
    return {"Type": kind, "JobStatus": status, "Definition": {"CampaignId": campaign_id}}


@pytest.mark.parametrize(
    ("frequency", "end", "runs", "expected"),
    [
        (None, None, [], "SCHEDULED"),
        ("ONCE", None, [_run("PROCESSING")], "EXECUTING"),
        ("ONCE", None, [_run("PENDING")], "EXECUTING"),  # waiting on a person's approval too
        (None, None, [_run("COMPLETED")], "COMPLETED"),
        ("ONCE", None, [_run("FAILED")], "COMPLETED"),
        ("DAILY", None, [], "SCHEDULED"),
        ("DAILY", None, [_run("COMPLETED")], "PENDING_NEXT_RUN"),
        ("DAILY", None, [_run("COMPLETED"), _run("INITIALIZING")], "EXECUTING"),
        ("DAILY", "2026-12-07T11:00:00Z", [_run("COMPLETED")], "COMPLETED"),
        ("DAILY", "2026-12-07T13:00:00Z", [_run("COMPLETED")], "PENDING_NEXT_RUN"),
        ("EVENT", "2026-12-01T00:00:00Z", [], "COMPLETED"),
        # another campaign's runs, and other jobs, are not this campaign's
        ("ONCE", None, [_run("COMPLETED", campaign_id="c2"), _run("COMPLETED", kind="IMPORT")], "SCHEDULED"),
    ],
)
def test_the_status_follows_the_schedule_and_the_runs(frequency, end, runs, expected):
    assert campaign_status(_campaign(frequency, end), runs, NOW) == expected


def test_a_paused_or_deleted_campaign_stays_as_written_whatever_its_runs():
    paused = _campaign("DAILY", IsPaused=True)
    assert campaign_status(paused, [_run("PROCESSING")], NOW) == "PAUSED"
    deleted = {**_campaign(), "State": {"CampaignStatus": "DELETED"}}
    assert campaign_status(deleted, [_run("COMPLETED")], NOW) == "DELETED"


def test_state_and_default_state_both_carry_it_and_the_rest_is_kept():
    shown = with_status(_campaign(), [_run("COMPLETED")], NOW)
    assert shown["State"] == shown["DefaultState"] == {"CampaignStatus": "COMPLETED"}
    assert shown["Id"] == "c1" and shown["Schedule"]["StartTime"] == "IMMEDIATE"
