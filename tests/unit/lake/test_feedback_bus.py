"""Hard bounces and complaints onto the engagement bus (engage.lake.feedback_bus) and PutEvents with its
per-entry failures handled (engage.adapters.eventbridge.bus, checked by botocore's Stubber)."""

from __future__ import annotations

import json
import random

import boto3
import pytest
from botocore.stub import ANY, Stubber
from engage.adapters.eventbridge.bus import EventBus
from engage.errors import RetriesExhaustedError
from engage.lake.feedback_bus import feedback_entry
from engage.retry import Backoff

from tests.support.channel_records import APP, ses
from tests.support.lake import normalised


def test_a_hard_bounce_becomes_an_event_naming_who_and_what_but_not_the_address():
    entry = feedback_entry(normalised(ses("Bounce")), "engagement")
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "engage.events", "Email Hard Bounce", "engagement",
    )  # fmt: skip
    detail = json.loads(entry["Detail"])
    assert detail["application_id"] == APP and detail["endpoint_id"] == "ep-1"
    assert (detail["campaign_id"], detail["message_id"]) == ("c-spring", "m-1")
    assert (detail["bounce_type"], detail["bounce_sub_type"]) == ("Permanent", "General")
    assert detail["event_timestamp"] == "2026-11-20T10:00:05.000Z"
    assert "@" not in entry["Detail"]  # no address leaves for the bus


def test_a_complaint_carries_its_feedback_type_and_other_events_are_not_feedback():
    detail = json.loads(feedback_entry(normalised(ses("Complaint")), "b")["Detail"])
    assert detail["event_type"] == "_email.complaint" and detail["complaint_feedback_type"] == "abuse"
    assert feedback_entry(normalised(ses("Delivery")), "b") is None
    soft = ses("Bounce", bounceType="Transient")
    assert feedback_entry(normalised(soft), "b") is None  # only hard bounces inform the CDP


def bus():
    client = boto3.client("events", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    quiet = Backoff(sleep=lambda _s: None, rng=random.Random(0), max_attempts=3)
    return EventBus(client, quiet), Stubber(client)


ENTRY = {"Source": "engage.events", "DetailType": "Email Complaint", "Detail": "{}", "EventBusName": "b"}


def test_entries_go_in_tens_and_throttled_ones_are_retried_alone():
    events, stub = bus()
    entries = [{**ENTRY, "Detail": json.dumps({"n": i})} for i in range(12)]
    first = [{"EventId": str(i)} for i in range(10)]
    first[3] = {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}
    stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": first}, {"Entries": entries[:10]})
    stub.add_response(
        "put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "r"}]}, {"Entries": [entries[3]]}
    )
    stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "a"}, {"EventId": "b"}]},
                      {"Entries": entries[10:]})  # fmt: skip
    with stub:
        assert events.put(entries) == 3
    stub.assert_no_pending_responses()


def test_an_entry_eventbridge_refuses_for_good_raises_with_its_code():
    events, stub = bus()
    refused = {"ErrorCode": "AccessDeniedException", "ErrorMessage": "no"}
    stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [refused]}, {"Entries": ANY})
    with stub, pytest.raises(RetriesExhaustedError, match="AccessDeniedException"):
        events.put([ENTRY])


def test_throttling_that_never_ends_raises_instead_of_dropping():
    events, stub = bus()
    throttled = {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}
    for _ in range(3):
        stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [throttled]}, {"Entries": ANY})
    with stub, pytest.raises(RetriesExhaustedError, match="still throttled"):
        events.put([ENTRY])
