"""A campaign run's parts (engage.campaigns.runs): the seed's input, holdout, the hook per
treatment with its personalisation reaching the message, counts that add up, and closing."""

import json
from datetime import UTC, datetime

import pytest
from engage.campaigns.hooks import HookPolicy
from engage.campaigns.model import new_campaign
from engage.campaigns.runs import activity, closing_status, new_run, run_batch, seed_request
from engage.errors import ValidationError
from engage.messages.request import parse_request

from tests.support.fakes import MemoryCaps, MemoryQueue

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


class OfferHook:
    def invoke(self, function, payload):
        return {
            i: {**e, "Attributes": {"Offer": ["10%"]}} for i, e in payload["Endpoints"].items() if i != "e1"
        }


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
        campaign, "run-1", endpoints(50), NOW, MemoryCaps(), OfferHook(), queue, 10, HookPolicy.SKIP
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
