"""A campaign run's parts (engage.campaigns.runs): the seed's input, holdout, the hook per
treatment with its personalisation reaching the message, counts that add up, and closing."""

import json
from datetime import UTC, datetime

import pytest
from engage.campaigns.hooks import HookPolicy
from engage.campaigns.model import new_campaign
from engage.campaigns.runs import (
    RunTools,
    activities,
    activity,
    cancelled,
    cancelled_part,
    closing_status,
    new_run,
    run_batch,
    seed_request,
)
from engage.errors import ValidationError
from engage.sending.caps import caps_for
from engage.sending.request import parse_request

from tests.support.fakes import MemoryCaps, MemoryConsent, MemoryQueue, MemorySuppressions

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


class OfferHook:
    def invoke(self, function, payload):
        return {
            i: {**e, "Attributes": {"Offer": ["10%"]}} for i, e in payload["Endpoints"].items() if i != "e1"
        }


def tools(queue, consent=(), suppressions=(), **extra):
    return RunTools(
        caps=MemoryCaps(),
        hooks=extra.pop("hooks", OfferHook()),
        queue=queue,
        consent=MemoryConsent(*consent),
        suppressions=MemorySuppressions(*suppressions),
        hook_policy=HookPolicy.SKIP,
        **extra,
    )


def endpoints(n):
    return [{"Id": f"e{i}", "ChannelType": "SMS", "Address": "+12065550100"} for i in range(n)]


def test_the_seeds_input_becomes_a_campaign_of_its_templates_sent_now():
    request = seed_request({"SegmentId": "s1", "SegmentName": "Imported", "SmsTemplateName": "welcome"})
    assert request["TemplateConfiguration"] == {"SMSTemplate": {"Name": "welcome"}}
    assert request["Schedule"]["StartTime"] == "IMMEDIATE" and request["Name"] == "Imported"
    with pytest.raises(ValidationError, match="template"):
        seed_request({"SegmentId": "s1"})


def test_a_part_counts_every_endpoint_once_and_the_hooks_attributes_reach_the_message():
    campaign = new_campaign(
        "runsapp",
        {
            "SegmentId": "s",
            "MessageConfiguration": {"SMSMessage": {"Body": "Offer {{Attributes.Offer}}"}},
            "Schedule": {"StartTime": "IMMEDIATE"},
            "HoldoutPercent": 20,
            "Hook": {"LambdaFunctionName": "engage-hook-offers"},
        },
        "c-1",
    )
    queue = MemoryQueue()
    counts = run_batch(
        campaign, "run-1", endpoints(50), NOW, tools(queue, hooks=OfferHook(), hook_batch_size=10)
    )
    skipped = sum(v for k, v in counts.items() if k not in ("Queued", "NotQueued"))
    assert counts["Queued"] + skipped == 50 and counts["NotQueued"] == 0
    assert counts["FILTERED_BY_HOOK"] in (0, 1) and counts["HOLDOUT"] > 0
    queued = [parse_request(json.loads(b)) for b in queue.bodies]
    assert all(q.substitutions["Attributes.Offer"] == ["10%"] for q in queued)
    assert "e1" not in {q.endpoint_id for q in queued}


def test_a_run_closes_completed_only_when_every_part_ran():
    run = new_run(
        "run-1",
        new_campaign(
            "runsapp",
            {
                "SegmentId": "s",
                "MessageConfiguration": {"SMSMessage": {"Body": "b"}},
                "Schedule": {"StartTime": "IMMEDIATE"},
            },
            "c-1",
        ),
        {},
    )
    run.update({"TotalPieces": 3, "CompletedPieces": 2})
    status, failures = closing_status(run, None)
    assert status == "FAILED" and "1 of 3 parts" in failures[0]
    run["CompletedPieces"] = 3
    assert closing_status(run, None)[0] == "COMPLETED"
    assert closing_status(run, {"Error": "States.Timeout"})[0] == "FAILED"
    summary = activity({**run, "JobStatus": "COMPLETED", "TotalProcessed": 3})
    assert (
        summary["CampaignId"] == "c-1"
        and summary["TotalEndpointCount"] == 3
        and summary["Counts"]["Queued"] == 0
    )


def _run(run_id="run-1", campaign_id="c-1", created="2026-11-25T12:00:00.000Z"):
    campaign = new_campaign(
        "runsapp",
        {
            "SegmentId": "s",
            "MessageConfiguration": {"SMSMessage": {"Body": "b"}},
            "Schedule": {"StartTime": "IMMEDIATE"},
        },
        campaign_id,
    )
    return {**new_run(run_id, campaign, {}), "CreationDate": created}


def test_a_cancelled_run_stays_cancelled_and_its_later_parts_queue_nothing():
    run = {**_run(), "JobStatus": "CANCELLED", "TotalPieces": 3, "CompletedPieces": 1}
    assert cancelled(run) and not cancelled(None) and not cancelled({**run, "JobStatus": "PROCESSING"})
    assert closing_status(run, None)[0] == "CANCELLED"
    assert closing_status(run, {"Error": "States.Timeout"})[0] == "FAILED"  # a stop on an error says so
    part = cancelled_part(7)
    assert part["CANCELLED"] == 7 and part["Queued"] == 0 and sum(part.values()) == 7


def test_a_campaigns_activities_are_its_runs_newest_first_in_pinpoints_words():
    runs = [
        {**_run("r-old", created="2026-11-24T00:00:00.000Z"), "JobStatus": "COMPLETED"},
        {**_run("r-new", created="2026-11-25T00:00:00.000Z"), "JobStatus": "PROCESSING"},
        {**_run("r-other", campaign_id="c-2"), "JobStatus": "COMPLETED"},
        {"Id": "import-1", "Type": "IMPORT", "Definition": {}},
    ]
    listed = activities(runs, "c-1")
    assert [(a["Id"], a["State"]) for a in listed] == [("r-new", "RUNNING"), ("r-old", "COMPLETED")]
    assert listed[1]["Result"] == "SUCCESS" and "Result" not in listed[0] and "End" not in listed[0]


def test_opted_out_suppressed_and_inactive_endpoints_are_counted_with_their_reason_and_never_hooked():
    from engage.consent import consent_record
    from engage.suppression import suppression

    campaign = new_campaign(
        "runsapp",
        {
            "SegmentId": "s",
            "MessageConfiguration": {"SMSMessage": {"Body": "b"}},
            "Schedule": {"StartTime": "IMMEDIATE"},
            "Hook": {"LambdaFunctionName": "engage-hook-offers"},
        },
        "c-1",
    )
    people = [
        {"Id": "ok", "ChannelType": "SMS", "Address": "+12065550101"},
        {"Id": "opt", "ChannelType": "SMS", "Address": "+12065550102", "OptOut": "ALL"},
        {"Id": "stop", "ChannelType": "SMS", "Address": "+12065550103"},
        {"Id": "bounced", "ChannelType": "SMS", "Address": "+12065550104"},
        {"Id": "gone", "ChannelType": "SMS", "Address": "+12065550105", "EndpointStatus": "INACTIVE"},
    ]
    seen = []

    class Recording(OfferHook):
        def invoke(self, function, payload):
            seen.extend(payload["Endpoints"])
            return super().invoke(function, payload)

    queue = MemoryQueue()
    counts = run_batch(
        campaign,
        "run-1",
        people,
        NOW,
        tools(
            queue,
            hooks=Recording(),
            consent=[consent_record("runsapp", "SMS", "+12065550103", "OPTED_OUT", "sms-stop")],
            suppressions=[suppression("runsapp", "SMS", "+12065550104", "MANUAL", "operator")],
        ),
    )
    assert (
        counts["Queued"],
        counts["OPTED_OUT"],
        counts["SUPPRESSED_MANUAL"],
        counts["INACTIVE_ENDPOINT"],
    ) == (
        1,
        2,
        1,
        1,
    )
    assert seen == ["ok"]


def test_a_local_time_firing_takes_only_the_endpoints_whose_time_it_is_and_counts_the_others():
    from engage.campaigns.runs import Firing

    campaign = new_campaign(
        "app",
        {
            "SegmentId": "s",
            "MessageConfiguration": {"SMSMessage": {"Body": "Good morning"}},
            "Schedule": {
                "StartTime": "2027-03-14T09:00:00Z",
                "IsLocalTime": True,
                "Frequency": "DAILY",
                "EndTime": "2027-03-31T00:00:00Z",
            },
        },
    )
    people = [
        {"Id": "ny", "Demographic": {"Timezone": "America/New_York"}},
        {"Id": "london", "Demographic": {"Timezone": "Europe/London"}},
        {"Id": "pnv", "Attributes": {"PNV_Timezone": ["America/New_York"]}},
    ]
    firing = Firing(campaign, datetime(2027, 3, 14, 13, 0, tzinfo=UTC))  # 09:00 EDT
    assert [e["Id"] for e in firing.due(people)] == ["ny", "pnv"] and firing.elsewhere == 1
    nobody = Firing(campaign, datetime(2027, 3, 14, 11, 0, tzinfo=UTC))
    assert list(nobody.due(people)) == [] and nobody.elsewhere == 3
    run = new_run("r", campaign, {"CampaignId": campaign["Id"]}, elsewhere=1)
    assert run["Counts"]["OTHER_TIME_ZONE"] == 1


def test_the_applications_settings_reach_a_part_the_daily_cap_across_campaigns_and_maximum_duration():
    queue = MemoryQueue()
    settings = {"Limits": {"Daily": 1, "MaximumDuration": 600, "MessagesPerSecond": 3}}
    shared = tools(queue, hooks=None, settings=lambda _app: settings)
    make = lambda name: new_campaign(  # noqa: E731
        "app",
        {
            "Name": name,
            "SegmentId": "s",
            "MessageConfiguration": {"SMSMessage": {"Body": name}},
            "Schedule": {"StartTime": "IMMEDIATE"},
        },
    )
    first = run_batch(make("first"), "r1", endpoints(2), NOW, shared, started=NOW)
    for body in queue.bodies:  # the sender counts each send against the caps it carries
        sent = parse_request(body)
        wanted = caps_for(sent.app_id, sent.recipient_id, sent.campaign_id, sent.caps)
        assert sent.caps == {"AppDaily": 1} and shared.caps.take(wanted, sent.key, NOW.timestamp())
    second = run_batch(make("second"), "r2", endpoints(2), NOW, shared)
    assert (first["Queued"], second["Queued"], second["ENDPOINT_CAP"]) == (2, 0, 2)
    sent = parse_request(queue.bodies[0])
    assert sent.max_rate == 3 and sent.not_after == NOW.timestamp() + 600
