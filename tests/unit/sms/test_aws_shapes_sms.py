"""End User Messaging's documented SMS, voice and two-way shapes, and Pinpoint's PhoneNumberValidate
answers (events/aws/sms/, events/aws/phone/, each naming its page in sources.json), fed to what
consumes them here: the channel-events normaliser (and the SMS retries after it), the inbound-SMS
use case and the phone-validation adapter and use case. Then the contract: the local emulators emit
exactly these shapes (the same keys at every level, the same JSON types) in AWS's sequences."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage.audience.phone.validation import Pacer, PhoneValidation, endpoint_update
from engage.consent import ConsentStatus
from engage.envelopes import sns_document
from engage.events import to_record
from engage.lake.channel_events import normalise
from engage.retry import Backoff
from engage.sms.inbound import handle, parse_inbound
from engage.sms.keywords import Intent, keywords
from engage.sms.retry import decide, parse_failure

from engage_local.emulators.framework import Clock, Request
from engage_local.emulators.phone import validate_number
from engage_local.emulators.sms import SILENT, SmsVoiceState, sms_voice_emulator
from tests.support.fakes import MemoryConsent, MemoryEndpoints, MemoryNumberCache
from tests.support.shapes import differences, sample

APP = "0123456789abcdef0123456789abcdef"
# What our sender puts in a text's Context (engage.sending.text_context): the derived samples carry it.
OURS = {
    "application_id": APP,
    "endpoint_id": "sample-texter",
    "request_id": "sample-campaign-run",
    "message_id": "sample-message-1",
    "tags": '{"campaign_id":"sample-campaign"}',
}
# Documented keys AWS's current SMS example leaves out and its EventBridge examples carry (the
# attribute table documents isoCountryCode; carrierName is in every EventBridge example's detail).
BEYOND_THE_EXAMPLE = {"isoCountryCode", "carrierName"}


def sqs_record(document: dict[str, Any], raw: bool = True) -> SQSRecord:
    """The queue message SNS delivers `document` as: raw (the subscriptions here), or in SNS's
    notification envelope."""
    body = json.dumps(document)
    if not raw:
        body = json.dumps({"Type": "Notification", "MessageId": "n-1", "Message": body})
    return SQSRecord(
        {
            "messageId": "q-1",
            "body": body,
            "attributes": {"SentTimestamp": "1795600000000", "ApproximateReceiveCount": "1"},
            "eventSource": "aws:sqs",
        }
    )


def channel_event(document: dict[str, Any], raw: bool = True):
    """What the channel-events function makes of the record (functions/lake/channel_events)."""
    return normalise(sns_document(sqs_record(document, raw).body))


def shaped(record: Any, path: str, **documented_as: Any) -> list[str]:
    """How the record differs from the sample's shape (a message's context is the sender's own map)."""
    documented = sample(path)
    for key in documented_as.get("under", ()):
        documented = documented[key]
    return differences(record, documented, data_maps={"context"})


# --- the normaliser --------------------------------------------------------------------------------
def test_awss_final_text_successful_is_a_delivered_text_once_it_names_our_send():
    aws = sample("aws/sms/text_successful_final.json")
    assert "application_id" in channel_event(aws).reason, "another system's text: kept raw only"
    event = channel_event({**aws, "context": OURS}, raw=False).event
    assert event.event_type == "_SMS.SUCCESS" and event.attributes["record_status"] == "SUCCESSFUL"
    assert (event.app_id, event.endpoint_id) == (APP, "sample-texter")
    assert event.attributes["destination_phone_number"] == "+14255550156"
    assert event.metrics["price_in_millicents_usd"] == pytest.approx(9582.0)


def test_the_carriers_acceptance_then_the_handsets_receipt_is_one_delivered_text():
    accepted = channel_event(sample("aws/sms/text_successful_accepted.json"))
    assert accepted.event is None and "sender recorded" in accepted.reason
    delivered = channel_event(sample("aws/sms/text_delivered_final.json")).event
    assert delivered.event_type == "_SMS.SUCCESS" and delivered.attributes["record_status"] == "DELIVERED"
    assert delivered.attributes["iso_country_code"] == "US"
    assert delivered.attributes["campaign_id"] == "sample-campaign"


def test_two_final_reports_of_one_message_are_one_event_as_awss_eventbridge_examples_send_them():
    """AWS's EventBridge examples report one message (9539975a-...) twice, both final: the carrier's
    TEXT_SUCCESSFUL, then the handset's TEXT_DELIVERED. The project subscribes to the configuration
    set's SNS and Firehose destinations, not to EventBridge; the detail is the same record."""
    sent = sample("aws/sms/eventbridge_text_successful.json")
    delivered = sample("aws/sms/eventbridge_text_delivered.json")
    assert sent["detail"]["messageId"] == delivered["detail"]["messageId"]
    assert sent["detail"]["isFinal"] and delivered["detail"]["isFinal"]
    assert channel_event(sent["detail"]).event is None, "no context: another system's, kept raw"
    first = channel_event({**sent["detail"], "context": OURS}).event
    second = channel_event({**delivered["detail"], "context": OURS}).event
    assert first.event_type == second.event_type == "_SMS.SUCCESS"
    assert first.event_id == second.event_id, "put once (the function is idempotent by event id)"
    spain = channel_event(
        {**sample("aws/sms/eventbridge_text_successful_protect.json")["detail"], "context": OURS}
    )
    assert spain.event.event_type == "_SMS.SUCCESS" and spain.event.attributes["iso_country_code"] == "ES"


def failure_record(path: str) -> dict[str, Any]:
    event = channel_event(sample(path)).event
    return to_record(event, arrival_ms=event.timestamp_ms)


def test_a_final_carrier_unreachable_is_a_failure_the_retries_send_again():
    record = failure_record("aws/sms/text_carrier_unreachable_final.json")
    assert record["event_type"] == "_SMS.FAILURE"
    failure = parse_failure(record)
    assert (failure.original_id, failure.status, failure.destination) == (
        "sample-message-1",
        "CARRIER_UNREACHABLE",
        "+14255550156",
    )
    assert decide(failure, 2, 60, random.Random(1)).retry


def test_unknown_after_72_hours_is_uncertain_and_never_sent_again():
    """No carrier receipt in 72 hours: the text may well have arrived, so it is not sent twice."""
    aws = sample("aws/sms/text_unknown_after_72h.json")
    assert aws["eventTimestamp"] - aws["messageRequestTimestamp"] == 72 * 3600 * 1000
    record = failure_record("aws/sms/text_unknown_after_72h.json")
    assert record["event_type"] == "_SMS.FAILURE" and record["attributes"]["record_status"] == "UNKNOWN"
    decision = decide(parse_failure(record), 2, 60, random.Random(1))
    assert not decision.retry and decision.reason.startswith("uncertain: UNKNOWN")


def test_a_completed_call_is_a_voice_success():
    event = channel_event(sample("aws/sms/voice_completed_final.json")).event
    assert event.event_type == "_VOICE.SUCCESS" and event.attributes["channel_type"] == "VOICE"


# --- two-way SMS -----------------------------------------------------------------------------------
class Outlets:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def add(self, app_id, origination, number):
        self.calls.append(("list-add", number))

    def remove(self, app_id, origination, number):
        self.calls.append(("list-remove", number))

    def reply(self, inbound, app_id, keyword, text):
        self.calls.append(("reply", keyword))

    def publish(self, inbound, app_id, intent, outcome):
        self.calls.append(("publish", intent))

    def audit(self, inbound, app_id):
        self.calls.append(("audit",))


def inbound_sms(path: str, world) -> tuple[Any, Any]:
    """As functions/sms/sms_inbound reads a queue message (raw SNS delivery)."""
    record = sqs_record(sample(path))
    inbound = parse_inbound(sns_document(record.body), "2026-11-26T07:00:00.000Z")
    consents, endpoints, outlets = world
    return inbound, handle(inbound, APP, keywords(), consents, endpoints, outlets, outlets)


@pytest.fixture
def world():
    endpoints = MemoryEndpoints(
        [{"ApplicationId": APP, "Id": "texter", "ChannelType": "SMS", "Address": "+14255550182"}]
    )
    return MemoryConsent(), endpoints, Outlets()


def test_awss_inbound_message_is_read_and_published_and_changes_nobodys_consent(world):
    inbound, outcome = inbound_sms("aws/sms/two_way_inbound.json", world)
    assert (inbound.customer, inbound.our_number, inbound.keyword) == ("+14255550182", "+12125550101", "JOIN")
    assert inbound.message_id == "cae173d2-66b9-564c-8309-21f858e9fb84"
    assert outcome.intent == Intent.OTHER and not outcome.opted_out
    consents, _endpoints, outlets = world
    assert consents.get(APP, "SMS", "+14255550182") is None and outlets.calls == [("publish", Intent.OTHER)]


def test_a_stop_in_awss_inbound_shape_opts_the_number_out_and_is_confirmed(world):
    _inbound, outcome = inbound_sms("aws/sms/two_way_inbound_stop.json", world)
    consents, endpoints, outlets = world
    assert outcome.opted_out and outcome.endpoints == ["texter"]
    assert consents.get(APP, "SMS", "+14255550182").status == ConsentStatus.OPTED_OUT
    assert endpoints.get(APP, "texter")["OptOut"] == "ALL"
    assert outlets.calls == [("reply", "OPT_OUT"), ("publish", Intent.OPT_OUT)]


# --- PhoneNumberValidate ----------------------------------------------------------------------------


def validated(stubbed, path: str, address: str = "+12065550142") -> dict[str, Any]:
    """The endpoint after a validation run whose one lookup AWS answers with the sample (the
    Stubber checks it against botocore's NumberValidateResponse)."""
    validator, stubber = stubbed
    stubber.add_response(
        "phone_number_validate",
        sample(path),
        {"NumberValidateRequest": {"PhoneNumber": address, "IsoCountryCode": "US"}},
    )
    store = MemoryEndpoints([{"ApplicationId": APP, "Id": "p", "ChannelType": "SMS", "Address": address}])
    ticks = iter(range(1_000_000))
    clock = lambda: float(next(ticks))  # noqa: E731
    run = PhoneValidation(
        app_id=APP,
        contacts=store,
        cache=MemoryNumberCache(),
        validator=validator,
        pacer=Pacer(1000.0, clock=clock, sleep=lambda _s: None),
        owner="run/0",
        backoff=Backoff(base_seconds=0.1, sleep=lambda _s: None, rng=random.Random(1)),
        clock=clock,
        sleep=lambda _s: None,
    )
    counts = run.run(list(store.by_id.values()))
    assert counts.api_calls == 1 and counts.failed == 0
    return store.by_id[(APP, "p")]


def test_the_clis_documented_answer_fills_every_seed_attribute(stubbed):
    endpoint = validated(stubbed, "aws/phone/phone_number_validate_cli.json")
    attributes = endpoint["Attributes"]
    assert attributes["PNV_Carrier"] == ["ExampleCorp Mobile"] and attributes["PNV_City"] == ["Seattle"]
    assert attributes["PNV_Timezone"] == ["America/Los_Angeles"] and attributes["PNV_ZipCode"] == ["98101"]
    assert endpoint["Address"] == "+12065550142" and "EndpointStatus" not in endpoint


def test_a_us_answer_today_has_no_location_and_the_endpoint_says_unknown(stubbed):
    attributes = validated(stubbed, "aws/phone/phone_number_validate_us_now.json")["Attributes"]
    assert attributes["PNV_PhoneType"] == ["MOBILE"] and attributes["PNV_CountryCodeIso2"] == ["US"]
    for name in ("PNV_City", "PNV_Timezone", "PNV_ZipCode"):
        assert attributes[name] == ["Unknown"], name


def test_an_invalid_answer_makes_the_endpoint_inactive(stubbed):
    endpoint = validated(stubbed, "aws/phone/phone_number_validate_invalid.json")
    assert endpoint["EndpointStatus"] == "INACTIVE" and endpoint["Attributes"]["PNV_PhoneType"] == ["INVALID"]
    update = endpoint_update(
        {"ChannelType": "SMS", "Address": "+1206555"},
        sample("aws/phone/phone_number_validate_invalid.json")["NumberValidateResponse"],
    )
    assert update["EndpointStatus"] == "INACTIVE"


# --- the emulators' contract ------------------------------------------------------------------------
class Published:
    """An SMS emulator with one configuration set whose SNS destination takes every event."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.clock = Clock()
        self.state = SmsVoiceState(
            "us-east-1", self.clock, lambda _d, record, _s=None: self.records.append(record)
        )
        self.state.create_configuration_set({"ConfigurationSetName": "events"})
        self.state.create_event_destination(
            {
                "ConfigurationSetName": "events",
                "EventDestinationName": "all",
                "MatchingEventTypes": ["TEXT_ALL", "VOICE_ALL"],
                "SnsDestination": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:events"},
            }
        )

    def send(self, destination: str, kind: str = "TEXT") -> list[dict[str, Any]]:
        before = len(self.records)
        request = {
            "DestinationPhoneNumber": destination,
            "MessageBody": "Spring offers inside",
            "MessageType": "PROMOTIONAL",
            "ConfigurationSetName": "events",
            "Context": OURS,
        }
        send = self.state.send_text_message if kind == "TEXT" else self.state.send_voice_message
        message_id = send(request)["MessageId"]
        assert all(r["messageId"] == message_id for r in self.records[before:])
        return self.records[before:]


def steps(records: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    return [(r["eventType"], r["messageStatus"], r["isFinal"]) for r in records]


@pytest.fixture
def emulator():
    return Published()


def test_a_text_abroad_gets_awss_final_text_successful_only_in_its_shape(emulator):
    (record,) = emulator.send("+33755512501")  # AWS's French success simulator number
    assert steps([record]) == [("TEXT_SUCCESSFUL", "SUCCESSFUL", True)]
    aws = sample("aws/sms/text_successful_final.json")
    assert set(record) - set(aws) == BEYOND_THE_EXAMPLE and set(aws) <= set(record)
    assert differences(record, aws, optional=BEYOND_THE_EXAMPLE, data_maps={"context"}) == []
    assert (record["isoCountryCode"], record["isInternationalSend"]) == ("FR", True)
    assert "configurationSet" not in record, "a key AWS never sends"


def test_a_text_to_a_receipt_country_is_accepted_then_delivered_in_awss_shapes(emulator):
    accepted, delivered = emulator.send("+14255550100")
    assert steps([accepted, delivered]) == [
        ("TEXT_SUCCESSFUL", "SUCCESSFUL", False),
        ("TEXT_DELIVERED", "DELIVERED", True),
    ]
    assert shaped(accepted, "aws/sms/text_successful_accepted.json") == []
    assert shaped(delivered, "aws/sms/text_delivered_final.json") == []
    assert delivered["eventTimestamp"] > accepted["eventTimestamp"] == accepted["messageRequestTimestamp"]
    assert (
        accepted["messageStatusDescription"]
        == sample("aws/sms/text_successful_final.json")["messageStatusDescription"]
    )


def test_a_simulator_number_gets_its_final_failure_in_awss_shape(emulator):
    accepted, failed = emulator.send("+14255550102")
    assert steps([failed]) == [("TEXT_CARRIER_UNREACHABLE", "CARRIER_UNREACHABLE", True)]
    assert shaped(failed, "aws/sms/text_carrier_unreachable_final.json") == []
    assert not accepted["isFinal"]


def test_no_carrier_report_becomes_unknown_72_hours_later_on_the_clock(emulator):
    (accepted,) = emulator.send(SILENT)
    assert steps([accepted]) == [("TEXT_SUCCESSFUL", "SUCCESSFUL", False)]
    api = sms_voice_emulator(emulator.state)
    call = Request(
        "POST",
        "/",
        "",
        {
            "x-amz-target": "PinpointSMSVoiceV2.DescribeOptOutLists",
            "content-type": "application/x-amz-json-1.0",
        },
        b"{}",
    )

    def any_call() -> None:
        operation, _params = api.operation(call)
        api.handlers[operation.name](api.parse(operation, call, {}))

    emulator.clock.advance(72 * 3600 - 60)
    any_call()
    assert len(emulator.records) == 1, "not before 72 hours"
    emulator.clock.advance(120)
    any_call()  # the emulator's next call releases what fell due on the clock
    (unknown,) = emulator.records[1:]
    assert steps([unknown]) == [("TEXT_UNKNOWN", "UNKNOWN", True)]
    assert unknown["eventTimestamp"] - accepted["messageRequestTimestamp"] == 72 * 3600 * 1000
    assert shaped(unknown, "aws/sms/text_unknown_after_72h.json") == []
    assert emulator.state.release_due() == [], "reported once"


def test_release_due_publishes_what_fell_due_when_the_clock_moves(emulator):
    emulator.send(SILENT)
    assert emulator.state.release_due(emulator.clock.now() + timedelta(hours=71)) == []
    (released,) = emulator.state.release_due(emulator.clock.now() + timedelta(hours=73))
    assert released["messageStatus"] == "UNKNOWN" and emulator.records[-1] is released


def test_a_call_is_initiated_then_completed_in_the_voice_shape(emulator):
    initiated, completed = emulator.send("+14255550100", kind="VOICE")
    assert steps([initiated, completed]) == [
        ("VOICE_INITIATED", "INITIATED", False),
        ("VOICE_COMPLETED", "COMPLETED", True),
    ]
    assert shaped(completed, "aws/sms/voice_completed_final.json") == []
    (busy,) = emulator.send("+14255550102", kind="VOICE")[1:]
    assert (busy["eventType"], busy["isFinal"]) == ("VOICE_BUSY", True)


def test_an_inbound_text_is_published_in_awss_two_way_shape_naming_the_message_answered(emulator):
    state = emulator.state
    number = state.request_phone_number(
        {
            "IsoCountryCode": "US",
            "MessageType": "TRANSACTIONAL",
            "NumberCapabilities": ["SMS"],
            "NumberType": "LONG_CODE",
        }
    )
    state.update_phone_number(
        {
            "PhoneNumberId": number["PhoneNumberId"],
            "TwoWayEnabled": True,
            "TwoWayChannelArn": "arn:aws:sns:us-east-1:123456789012:inbound",
        }
    )
    sent = state.send_text_message(
        {
            "DestinationPhoneNumber": "+14255550182",
            "OriginationIdentity": number["PhoneNumberId"],
            "MessageBody": "Hi",
        }
    )["MessageId"]
    state.receive("+14255550182", number["PhoneNumber"], "EXAMPLE")
    published = emulator.records[-1]
    assert shaped(published, "aws/sms/two_way_inbound.json") == []
    assert published["previousPublishedMessageId"] == sent
    assert (published["originationNumber"], published["destinationNumber"]) == (
        "+14255550182",
        number["PhoneNumber"],
    )


def test_phone_number_validate_answers_in_awss_shapes():
    us = validate_number({"PhoneNumber": "+12065550142"})
    assert shaped(us, "aws/phone/phone_number_validate_us_now.json", under=["NumberValidateResponse"]) == []
    assert us["CleansedPhoneNumberNational"] == "2065550142"
    cli = sample("aws/phone/phone_number_validate_cli.json")["NumberValidateResponse"]
    assert set(cli) - set(us) == {"City", "Timezone", "ZipCode"}, "no longer returned for US numbers"
    invalid = validate_number({"PhoneNumber": "+1206555"})
    invalid_sample = "aws/phone/phone_number_validate_invalid.json"
    assert shaped(invalid, invalid_sample, under=["NumberValidateResponse"]) == []
    abroad = validate_number({"PhoneNumber": "+33612345678"})
    assert abroad["Timezone"] == "Europe/Paris" and abroad["Carrier"]
