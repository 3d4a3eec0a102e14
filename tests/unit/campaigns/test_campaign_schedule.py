"""When campaigns run (engage.campaigns.schedule): now, once later, or on a recurring schedule;
run ids named after what started them; the launcher keeping schedules in step."""

from datetime import UTC, datetime

import pytest
from engage.campaigns.model import new_campaign, updated_campaign
from engage.campaigns.schedule import (
    Launcher,
    SchedulePlan,
    immediate_run_id,
    schedule_name,
    schedule_plan,
    scheduled_run_id,
)

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)


def campaign(**schedule):
    request = {
        "SegmentId": "s",
        "MessageConfiguration": {"SMSMessage": {"Body": "b"}},
        "Schedule": {"StartTime": "IMMEDIATE", **schedule},
    }
    return new_campaign("schedapp", request, "c-1")


@pytest.mark.parametrize(
    ("schedule", "plan"),
    [
        ({}, SchedulePlan(start_now=True)),
        ({"StartTime": "2026-11-26T10:30:30Z"}, SchedulePlan(start_now=True)),  # within a minute: now
        ({"StartTime": "2026-11-26T12:00:00+01:00"}, SchedulePlan(expression="at(2026-11-26T11:00:00)")),
        (
            {"StartTime": "2026-11-27T08:15:00Z", "Frequency": "DAILY", "EndTime": "2026-12-27T00:00:00Z"},
            SchedulePlan(
                expression="cron(15 8 * * ? *)",
                start_date=datetime(2026, 11, 27, 8, 15, tzinfo=UTC),
                end_date=datetime(2026, 12, 27, tzinfo=UTC),
            ),
        ),
        (
            {"StartTime": "2026-11-30T09:00:00Z", "Frequency": "WEEKLY", "EndTime": "2027-01-01T00:00:00Z"},
            SchedulePlan(
                expression="cron(0 9 ? * MON *)",
                start_date=datetime(2026, 11, 30, 9, tzinfo=UTC),
                end_date=datetime(2027, 1, 1, tzinfo=UTC),
            ),
        ),
        (
            {"Frequency": "HOURLY", "EndTime": "2026-11-27T00:00:00Z"},
            SchedulePlan(
                expression="cron(30 * * * ? *)", start_date=NOW, end_date=datetime(2026, 11, 27, tzinfo=UTC)
            ),
        ),
        ({"Frequency": "DAILY", "EndTime": "2026-11-01T00:00:00Z"}, SchedulePlan()),  # over already
    ],
)
def test_a_schedule_runs_now_once_later_or_recurring(schedule, plan):
    assert schedule_plan(campaign(**schedule), NOW) == plan


def test_monthly_keeps_the_day_and_paused_or_event_campaigns_are_never_scheduled():
    monthly = campaign(StartTime="2026-12-05T07:00:00Z", Frequency="MONTHLY", EndTime="2027-06-01T00:00:00Z")
    assert schedule_plan(monthly, NOW).expression == "cron(0 7 5 * ? *)"
    paused = new_campaign("schedapp", {**campaign(), "IsPaused": True}, "c-2")
    assert schedule_plan(paused, NOW) == SchedulePlan()
    event = campaign(Frequency="EVENT", EventFilter={"Dimensions": {}})
    assert schedule_plan(event, NOW) == SchedulePlan()


def test_run_ids_name_what_started_them_and_fit_step_functions():
    created = campaign()
    assert immediate_run_id(created) == "c-1-v1"
    assert (
        immediate_run_id(
            updated_campaign(
                created, {k: created[k] for k in ("SegmentId", "MessageConfiguration", "Schedule")}
            )
        )
        == "c-1-v2"
    )
    assert scheduled_run_id("c-1", "2026-11-27T08:15:00Z") == "c-1-20261127T0815"
    assert len(scheduled_run_id("c" * 90, "2026-11-27T08:15:00Z")) <= 80
    assert len(schedule_name("a" * 64, "c" * 64)) <= 64


class Recorder:
    def __init__(self):
        self.calls = []

    def put(self, name, plan, document):
        self.calls.append(("put", name, plan.expression, document["ScheduledTime"]))

    def delete(self, name):
        self.calls.append(("delete", name))

    def start(self, name, document):
        self.calls.append(("start", name, document))
        return True


def test_the_launcher_starts_due_runs_and_keeps_one_schedule_per_campaign():
    recorder = Recorder()
    launcher = Launcher(recorder, recorder, lambda: NOW)
    assert launcher.apply(campaign()) == "c-1-v1"
    name = schedule_name("schedapp", "c-1")
    assert recorder.calls == [
        ("delete", name),
        ("start", "c-1-v1", {"ApplicationId": "schedapp", "CampaignId": "c-1"}),
    ]
    recorder.calls.clear()
    assert launcher.apply(campaign(StartTime="2026-11-28T00:00:00Z")) is None
    assert recorder.calls == [("put", name, "at(2026-11-28T00:00:00)", "<aws.scheduler.scheduled-time>")]
    recorder.calls.clear()
    launcher.remove(campaign())
    assert recorder.calls == [("delete", name)]


def test_an_immediate_run_is_recorded_before_its_workflow_starts():
    """GetCampaignActivities shows the run as soon as CreateCampaign answers, as Pinpoint's did."""
    recorder = Recorder()

    def record_run(run_id, campaign, request):
        recorder.calls.append(("record", run_id, campaign["Id"], request))

    Launcher(recorder, recorder, lambda: NOW, record_run).apply(campaign())
    request = {"ApplicationId": "schedapp", "CampaignId": "c-1"}
    assert recorder.calls[1:] == [("record", "c-1-v1", "c-1", request), ("start", "c-1-v1", request)]


def test_a_local_time_campaign_fires_every_quarter_hour_across_the_days_zones():
    from datetime import timedelta

    local = campaign(StartTime="2026-12-01T09:00:00Z", IsLocalTime=True)
    plan = schedule_plan(local, NOW)
    assert plan.expression == "cron(0/15 * * * ? *)"
    assert plan.start_date == datetime(2026, 11, 30, 19, tzinfo=UTC)  # 09:00 at UTC+14
    assert plan.end_date == datetime(2026, 12, 1, 21, 15, tzinfo=UTC)  # 09:00 at UTC-12, and its quarter
    daily = campaign(
        StartTime="2026-12-01T09:00:00Z", IsLocalTime=True, Frequency="DAILY", EndTime="2026-12-10T00:00:00Z"
    )
    assert schedule_plan(daily, NOW).end_date == datetime(2026, 12, 10, tzinfo=UTC)
    assert (
        schedule_plan(local, datetime(2026, 12, 2, tzinfo=UTC) + timedelta(hours=1)) == SchedulePlan()
    )  # over


@pytest.mark.parametrize(
    ("zone", "at", "due"),
    [
        ("Europe/Lisbon", datetime(2026, 12, 1, 9, 0, tzinfo=UTC), True),
        ("Europe/Lisbon", datetime(2026, 12, 1, 9, 15, tzinfo=UTC), False),
        ("America/Chicago", datetime(2026, 12, 1, 15, 0, tzinfo=UTC), True),
        ("America/Chicago", datetime(2026, 12, 1, 9, 0, tzinfo=UTC), False),
        ("Asia/Kolkata", datetime(2026, 12, 1, 3, 30, tzinfo=UTC), True),
        ("Asia/Kathmandu", datetime(2026, 12, 1, 3, 15, tzinfo=UTC), True),
        ("Asia/Kolkata", datetime(2026, 12, 2, 3, 30, tzinfo=UTC), False),  # a day later: once only
    ],
)
def test_a_local_time_firing_is_due_where_its_the_wall_clock_time(zone, at, due):
    from zoneinfo import ZoneInfo

    from engage.campaigns.schedule import local_time_due

    local = campaign(StartTime="2026-12-01T09:00:00Z", IsLocalTime=True)
    assert local_time_due(local, ZoneInfo(zone), at) is due


def test_a_firing_that_is_nobodys_time_starts_nothing_and_a_part_keeps_only_its_zones():
    from engage.campaigns.runs import RunTools, run_batch
    from engage.campaigns.schedule import zones_due

    from tests.support.fakes import MemoryCaps, MemoryConsent, MemoryQueue, MemorySuppressions

    local = campaign(StartTime="2026-12-01T09:00:00Z", IsLocalTime=True)
    assert zones_due(local, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert not zones_due(local, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # the day is over everywhere
    people = [
        {"Id": z, "ChannelType": "SMS", "Address": f"+1206555010{n}", "Demographic": {"Timezone": z}}
        for n, z in enumerate(["Europe/Lisbon", "America/Chicago", "Asia/Kolkata"])
    ]
    queue = MemoryQueue()
    tools = RunTools(MemoryCaps(), None, queue, MemoryConsent(), MemorySuppressions())
    counts = run_batch(local, "r", people, NOW, tools, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    assert (counts["Queued"], counts["OTHER_TIME_ZONE"]) == (1, 2) and "Chicago" in queue.bodies[0]


def test_a_firing_runs_a_campaign_only_while_it_is_active_and_due():
    from engage.campaigns.schedule import runs_at

    later = campaign(StartTime="2026-12-01T09:00:00Z")
    assert not runs_at(later, datetime(2026, 12, 1, 3, 30, tzinfo=UTC))  # before its start
    assert runs_at(later, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    local = campaign(StartTime="2026-12-01T09:00:00Z", IsLocalTime=True)
    assert runs_at(local, datetime(2026, 12, 1, 3, 30, tzinfo=UTC))  # 09:00 in Kolkata
    assert not runs_at(local, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # the day is over everywhere
    paused = {**local, "IsPaused": True}
    assert not runs_at(paused, datetime(2026, 12, 1, 3, 30, tzinfo=UTC))


def test_a_local_time_firing_starts_a_run_only_where_its_audience_may_be_due():
    from datetime import timedelta

    from engage.campaigns.schedule import ZoneSnapshot, reaches_anyone

    campaign = {
        "Schedule": {
            "StartTime": "2027-03-13T09:00:00Z",
            "IsLocalTime": True,
            "Frequency": "DAILY",
            "EndTime": "2027-03-20T00:00:00Z",
        }
    }
    seen = ZoneSnapshot(
        frozenset({"America/New_York", "Europe/London"}), datetime(2027, 3, 14, 0, 0, tzinfo=UTC)
    )
    assert reaches_anyone(campaign, datetime(2027, 3, 14, 13, 0, tzinfo=UTC), seen)  # 09:00 EDT
    assert reaches_anyone(campaign, datetime(2027, 3, 14, 9, 0, tzinfo=UTC), seen)  # 09:00 GMT
    assert not reaches_anyone(campaign, datetime(2027, 3, 14, 3, 30, tzinfo=UTC), seen)  # 09:00 in Kolkata
    assert reaches_anyone(campaign, datetime(2027, 3, 14, 3, 30, tzinfo=UTC), None), (
        "never seen: the run looks"
    )
    stale = ZoneSnapshot(seen.zones, seen.seen_at - timedelta(hours=30))
    assert reaches_anyone(campaign, datetime(2027, 3, 14, 3, 30, tzinfo=UTC), stale), "seen too long ago"
