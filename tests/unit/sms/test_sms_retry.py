"""Retries of failed SMS (engage.sms.retry): which failures are retried, when, and how often."""

from __future__ import annotations

import json
import random

import pytest
from engage.sending.request import parse_request
from engage.sms.retry import RetryRefused, decide, outcome_event, parse_failure, retry_request, retry_send


def failure_record(status="CARRIER_UNREACHABLE", **context):
    context = {
        "application_id": "app",
        "endpoint_id": "ep-1",
        "message_id": "own-1",
        "campaign_id": "c-1",
        **context,
    }
    return {"event_type": "_SMS.FAILURE", "application": {"app_id": "app"}, "client": {"client_id": "ep-1"},
            "attributes": {"record_status": status, "destination_phone_number": "+14255550102",
                           "origination_phone_number": "+18005550100", "message_type": "PROMOTIONAL",
                           "customer_context": json.dumps(context)}}  # fmt: skip


def test_a_transient_failure_is_retried_with_a_growing_jittered_delay_until_the_attempts_run_out():
    rng = random.Random(1)
    delays = []
    for attempt in range(3):
        context = {"retry_of": "own-1", "retry_attempt": str(attempt)} if attempt else {}
        failure = parse_failure(failure_record(**context))
        decision = decide(failure, 3, 10, rng)
        assert decision.retry and decision.attempt == attempt + 1
        delays.append(decision.delay_seconds)
    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20 and 20 <= delays[2] <= 40
    last = decide(parse_failure(failure_record(retry_of="own-1", retry_attempt="3")), 3, 10, rng)
    assert not last.retry and last.reason == "attempts exhausted: 3 retries failed"


def test_a_permanent_failure_is_never_retried():
    decision = decide(parse_failure(failure_record("INVALID")), 3, 10, random.Random(1))
    assert (decision.retry, decision.reason) == (False, "permanent: INVALID")


def test_the_delay_never_passes_the_queues_limit():
    failure = parse_failure(failure_record(retry_of="own-1", retry_attempt="8"))
    assert decide(failure, 10, 600, random.Random(1)).delay_seconds <= 900


def test_the_retry_request_keeps_the_context_and_names_the_original_and_the_attempt():
    failure = parse_failure(failure_record())
    request = retry_request(failure, decide(failure, 3, 10, random.Random(1)))
    assert request["Context"]["retry_of"] == "own-1" and request["Context"]["retry_attempt"] == "1"
    assert request["Context"]["campaign_id"] == "c-1" and request["Destination"] == "+14255550102"


ENDPOINT = {"Id": "ep-1", "ChannelType": "SMS", "Address": "+1 (425) 555-0102"}


def test_a_due_retry_is_a_send_request_of_the_original_text_keyed_by_message_and_attempt():
    failure = parse_failure(failure_record())
    request = retry_request(failure, decide(failure, 3, 10, random.Random(1)))
    send = retry_send(request, lambda app, ep: ENDPOINT, lambda app, ep, message: f"text of {message}")
    assert (send.app_id, send.endpoint_id, send.channel) == ("app", "ep-1", "SMS")
    assert send.message == {
        "Body": "text of own-1",
        "MessageType": "PROMOTIONAL",
        "OriginationNumber": "+18005550100",
    }
    assert send.key == "app#sms-retry-own-1#attempt-1#ep-1" and not send.transactional
    assert send.context == {"campaign_id": "c-1", "retry_of": "own-1", "retry_attempt": "1"}
    assert parse_request(send.to_body()) == send  # as the send queue carries it
    again = retry_send(request, lambda app, ep: ENDPOINT, lambda app, ep, message: "another text")
    assert again.key == send.key, "a redelivered retry is the same send: the ledger sends it once"


@pytest.mark.parametrize(
    ("endpoint", "text", "reason"),
    [
        (None, "t", "no longer exists"),
        ({**ENDPOINT, "Address": "+14255550199"}, "t", "number changed"),
        (ENDPOINT, None, "not in the archive"),
    ],
)
def test_a_retry_that_cant_be_sent_as_the_original_was_is_refused(endpoint, text, reason):
    failure = parse_failure(failure_record())
    request = retry_request(failure, decide(failure, 3, 10, random.Random(1)))
    with pytest.raises(RetryRefused, match=reason):
        retry_send(request, lambda app, ep: endpoint, lambda app, ep, message: text)


def test_outcomes_are_events_with_one_id_per_message_attempt_and_outcome():
    failure = parse_failure(failure_record())
    decision = decide(failure, 3, 10, random.Random(1))
    first, again = (
        outcome_event(failure, decision),
        outcome_event(failure, decide(failure, 3, 10, random.Random(2))),
    )
    assert first.event_type == "_SMS.retry_scheduled" and first.event_id == again.event_id
    assert first.attributes["campaign_id"] == "c-1"


@pytest.mark.parametrize(
    "record",
    [
        {"event_type": "_SMS.SUCCESS"},
        {**failure_record(), "attributes": {"customer_context": "not json"}},
        {**failure_record(), "attributes": {"customer_context": "{}", "destination_phone_number": "+1"}},
    ],
)
def test_records_that_are_not_our_failures_are_left_alone(record):
    assert parse_failure(record) is None
