"""Retries of failed SMS on the local stack, from the outside: messages sent through the
Pinpoint-compatible API to numbers the SMS emulator fails (TEXT_CARRIER_UNREACHABLE is transient,
TEXT_INVALID permanent), and the outbox and the event stream read back."""

from __future__ import annotations

import pytest
from engage.sending.text_context import unpack

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import invoke
from tests.support.streams import stream_records

pytestmark = pytest.mark.e2e

FLAKY, INVALID = "+14255550102", "+14255550104"  # the SMS emulator's transient and permanent failures


def texts_to(local_stack, number: str) -> list[dict]:
    return [
        e["request"]
        for e in local_stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
        if e["request"]["DestinationPhoneNumber"] == number and "response" in e
    ]


def retry_events(local_stack, app: str) -> list[tuple[str, str, str]]:
    outputs = local_stack.stacks["engage"].outputs
    return sorted(
        (r["event_type"], r["client"]["client_id"], r["attributes"]["attempt"])
        for r in stream_records(local_stack.client("kinesis"), outputs["EventStreamName"])
        if r["application"]["app_id"] == app and r["event_type"].startswith("_SMS.retry_")
    )


def test_a_transient_failure_is_retried_up_to_the_limit_and_a_permanent_one_never(
    local_stack, pinpoint, new_app
):
    app = new_app("retries")
    for endpoint, number in (("flaky", FLAKY), ("invalid", INVALID)):
        pinpoint.update_endpoint(
            ApplicationId=app, EndpointId=endpoint, EndpointRequest={"ChannelType": "SMS", "Address": number}
        )
    before = {number: len(texts_to(local_stack, number)) for number in (FLAKY, INVALID)}
    pinpoint.send_messages(
        ApplicationId=app,
        MessageRequest={
            "Endpoints": {"flaky": {}, "invalid": {}},
            "MessageConfiguration": {
                "SMSMessage": {"Body": "Your code is 4711", "MessageType": "TRANSACTIONAL"}
            },
        },
    )
    expected = [
        ("_SMS.retry_abandoned", "flaky", "3"),
        ("_SMS.retry_abandoned", "invalid", "1"),
        ("_SMS.retry_scheduled", "flaky", "1"),
        ("_SMS.retry_scheduled", "flaky", "2"),
    ]
    assert wait_until(lambda: retry_events(local_stack, app) == expected, 90, 0.5), retry_events(
        local_stack, app
    )
    sent = texts_to(local_stack, FLAKY)[before[FLAKY] :]
    assert [t["MessageBody"] for t in sent] == ["Your code is 4711"] * 3, "the original and two retries"
    contexts = [unpack(t["Context"]) for t in sent]  # the ids beyond five ride packed (text_context)
    assert [c.get("retry_attempt") for c in contexts] == [None, "1", "2"]
    assert len({c.get("retry_of") or c["message_id"] for c in contexts}) == 1, "each names the original"
    assert len(texts_to(local_stack, INVALID)) == before[INVALID] + 1, "a permanent failure is not retried"


def test_the_samples_schedule_a_retry_and_a_redelivered_request_sends_once(local_stack, pinpoint, new_app):
    """events/sms/sms_retry_schedule/ and events/sms/sms_retry_send/, through the deployed functions."""
    scheduled = invoke(
        local_stack,
        "Sms/SmsRetryScheduleFunction",
        _sample("sms/sms_retry_schedule/failure.json"),
        "engage",
    )
    assert scheduled["payload"] == {"batchItemFailures": []}
    app = new_app("retries")
    pinpoint.update_endpoint(
        ApplicationId=app, EndpointId="again", EndpointRequest={"ChannelType": "SMS", "Address": FLAKY}
    )
    pinpoint.send_messages(
        ApplicationId=app,
        MessageRequest={
            "Endpoints": {"again": {}},
            "MessageConfiguration": {"SMSMessage": {"Body": "Hello again"}},
        },
    )
    assert wait_until(
        lambda: any(t["MessageBody"] == "Hello again" for t in texts_to(local_stack, FLAKY)), 30, 0.2
    )
    original = next(t for t in texts_to(local_stack, FLAKY) if t["MessageBody"] == "Hello again")
    request = _sample(
        "sms/sms_retry_send/request.json",
        APP_ID=app,
        ENDPOINT_ID="again",
        ORIGINAL_ID=original["Context"]["message_id"],
        DESTINATION=FLAKY,
    )
    body = request["Records"][0]["body"].replace('"Attempt": 1', '"Attempt": 7')
    request["Records"][0]["body"] = body.replace('"retry_attempt": "1"', '"retry_attempt": "7"')
    for _ in range(2):
        answered = invoke(local_stack, "Sms/SmsRetrySendFunction", request, "engage")
        assert answered["payload"] == {"batchItemFailures": []}

    # Both went to the send queue; the sender sends the retry once. (The stack's own retries of the
    # failed original, attempts 1 to 3, may send meanwhile.)
    def seventh():
        return [t for t in texts_to(local_stack, FLAKY) if unpack(t["Context"]).get("retry_attempt") == "7"]

    assert wait_until(lambda: seventh(), 30, 0.2)
    assert local_stack.settle(60)
    assert len(seventh()) == 1, "the same retry delivered twice sends once"
