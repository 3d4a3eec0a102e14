"""The SMS area's handlers (functions/sms/sms_inbound, sms_retry_schedule)
driven by their sample events under events/, each with its use case built on in-memory fakes and put
in place of the wiring's accessor (engage.sms.wiring); and the area's settings as the environment
gives them."""

from __future__ import annotations

import base64
import json
import random
from types import SimpleNamespace

import pytest
from engage.consent import ConsentStatus
from engage.errors import ValidationError
from engage.sms import wiring
from engage.sms.inbound import InboundProcessor, replies_by_brand
from engage.sms.keywords import Intent, keywords
from engage.sms.retry import RetryScheduler

from tests.support.fakes import (
    MemoryConsent,
    MemoryEndpoints,
    MemoryStream,
)
from tests.support.thin_handlers import Context, handler, sample

APP = "0123456789abcdef0123456789abcdef"
CUSTOMER, OTHER, OURS = "+12065550123", "+12065550124", "+18005550100"


class Recorder:
    """The brands' opt-out lists, the inbound outlets and a queue, recording each call in order."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def add(self, app_id, origination, number):
        self.calls.append(("list-add", number))

    def remove(self, app_id, origination, number):
        self.calls.append(("list-remove", number))

    def reply(self, inbound, app_id, keyword, text):
        self.calls.append(("reply", inbound.customer, keyword))

    def publish(self, inbound, app_id, intent, outcome):
        self.calls.append(("publish", inbound.customer, intent))

    def audit(self, inbound, app_id):
        self.calls.append(("audit", inbound.customer))

    def send(self, body, delay_seconds=None):
        self.calls.append(("send", json.loads(body), delay_seconds))

    def require(self, app_id):
        self.calls.append(("require", app_id))


# --- sms_inbound ---------------------------------------------------------------------------------------
def test_the_inbound_sample_batch_opts_out_the_revoker_publishes_both_and_fails_only_the_poison(monkeypatch):
    endpoints = MemoryEndpoints(
        [{"ApplicationId": APP, "Id": "texter", "ChannelType": "SMS", "Address": CUSTOMER}]
    )
    consents, recorder = MemoryConsent(), Recorder()
    processor = InboundProcessor(
        classifier=keywords(),
        applications={OURS: APP},
        replies=replies_by_brand({}),
        brands=SimpleNamespace(of=lambda number: None),  # untagged: the stack's map names the brand
        known_applications=recorder,
        consents=consents,
        endpoints=endpoints,
        opt_out_list=recorder,
        outlets=recorder,
    )
    monkeypatch.setattr(wiring, "inbound_processor", lambda: processor)
    event = sample(
        "sms/sms_inbound/batch.json",
        CUSTOMER_NUMBER=CUSTOMER,
        OTHER_NUMBER=OTHER,
        OUR_NUMBER=OURS,
        SAMPLE_ID="s",
    )

    answer = handler("sms_inbound")(event, Context())

    assert answer == {"batchItemFailures": [{"itemIdentifier": "poison"}]}
    assert recorder.calls == [
        ("require", APP),
        ("reply", CUSTOMER, "OPT_OUT"),
        ("publish", CUSTOMER, Intent.OPT_OUT),
        ("require", APP),
        ("publish", OTHER, Intent.OTHER),
    ]
    decision = consents.get(APP, "SMS", CUSTOMER)
    assert decision.status == ConsentStatus.OPTED_OUT and decision.source_message_id == "s-1"
    assert decision.recorded_at == "2025-11-26T06:53:20.000Z", (
        "the queue's SentTimestamp, the same on a retry"
    )
    assert endpoints.get(APP, "texter")["OptOut"] == "ALL"
    assert consents.get(APP, "SMS", OTHER) is None


# --- sms_retry_schedule --------------------------------------------------------------------------------
def retry_world(monkeypatch, max_attempts: int) -> tuple[Recorder, MemoryStream]:
    queue, stream = Recorder(), MemoryStream()
    scheduler = RetryScheduler(max_attempts, 30.0, queue, stream, random.Random(0))
    monkeypatch.setattr(wiring, "retry_scheduler", lambda: scheduler)
    return queue, stream


def test_the_sample_carrier_failure_is_queued_for_a_retry_with_its_backoff(monkeypatch):
    queue, stream = retry_world(monkeypatch, max_attempts=3)

    answer = handler("sms_retry_schedule")(sample("sms/sms_retry_schedule/failure.json"), Context())

    assert answer == {"batchItemFailures": []}
    ((kind, request, delay),) = queue.calls
    assert kind == "send" and 15 <= delay <= 30, "the first retry waits half to all of the base delay"
    assert (request["OriginalMessageId"], request["EndpointId"], request["Attempt"]) == (
        "sample-own-1",
        "sample-texter",
        1,
    )
    assert request["Context"]["retry_of"] == "sample-own-1" and request["Destination"] == "+14255550102"
    ((event,),) = [stream.records]
    assert event["event_type"] == "_SMS.retry_scheduled"
    assert event["attributes"]["original_message_id"] == "sample-own-1"


def test_the_sample_failure_past_its_attempts_is_abandoned_with_an_event_and_nothing_queued(monkeypatch):
    queue, stream = retry_world(monkeypatch, max_attempts=0)

    answer = handler("sms_retry_schedule")(sample("sms/sms_retry_schedule/failure.json"), Context())

    assert answer == {"batchItemFailures": []} and queue.calls == []
    assert [e["event_type"] for e in stream.records] == ["_SMS.retry_abandoned"]


def test_a_record_that_is_not_one_of_our_failures_is_left_alone(monkeypatch):
    queue, stream = retry_world(monkeypatch, max_attempts=3)
    event = sample("sms/sms_retry_schedule/failure.json")
    event["Records"][0]["kinesis"]["data"] = base64.b64encode(b'{"event_type": "_SMS.SUCCESS"}').decode()

    assert handler("sms_retry_schedule")(event, Context()) == {"batchItemFailures": []}
    assert queue.calls == [] and stream.records == []


# --- the area's settings -------------------------------------------------------------------------------
def test_the_settings_default_as_the_handlers_did_and_name_a_missing_variable():
    settings = wiring.SmsAreaSettings.from_env({})
    assert (settings.inbound_applications, settings.keywords) == ("{}", "")
    assert replies_by_brand(settings.replies())("any") == replies_by_brand({})("any"), "the default answers"
    with pytest.raises(ValidationError, match="SMS_RETRY_QUEUE_URL"):
        settings.require("retry_queue_url")


def test_the_settings_read_each_variable_the_area_uses():
    environ = {
        "SMS_KEYWORDS": '{"en": {"opt_out": ["halt"]}}',
        "SMS_INBOUND_APPLICATIONS": json.dumps({OURS: APP}),
        "OPT_OUT_REPLY": "Bye.",
        "HELP_REPLY": "Call us.",
        "SMS_BRAND_REPLIES": json.dumps({"brandb": {"OptOut": "B bye."}}),
        "ENGAGEMENT_BUS": "bus",
        "SMS_AUDIT_QUEUE_URL": "https://sqs/audit",
        "SMS_RETRY_MAX_ATTEMPTS": "3",
        "SMS_RETRY_BASE_DELAY_SECONDS": "1.5",
        "SMS_RETRY_QUEUE_URL": "https://sqs/retry",
    }
    settings = wiring.SmsAreaSettings.from_env(environ)
    assert settings.require("retry_max_attempts") == 3 and settings.require("retry_base_delay") == 1.5
    assert settings.require("engagement_bus") == "bus"
    replies = replies_by_brand(settings.replies())
    assert (replies("brandb").opt_out, replies("other").opt_out, replies("other").help) == (
        "B bye.",
        "Bye.",
        "Call us.",
    )
