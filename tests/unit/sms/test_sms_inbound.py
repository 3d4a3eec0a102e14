"""Inbound SMS (engage.sms.inbound): what a reply changes, in what order, and what it never does."""

from __future__ import annotations

import pytest
from engage.consent import ConsentStatus
from engage.errors import ValidationError
from engage.sending.request import parse_request
from engage.sms.inbound import (
    DEFAULT_HELP_REPLY,
    DEFAULT_OPT_OUT_REPLY,
    application_for,
    handle,
    parse_inbound,
    replies_by_brand,
    reply_request,
)
from engage.sms.keywords import Intent, keywords

from tests.support.fakes import MemoryConsent, MemoryEndpoints

APP, CUSTOMER, OURS = "smsapp01", "+12065550123", "+18005550100"


class Recorder:
    """The opt-out list and the outlets, recording calls in order."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.listed: set[str] = set()

    def add(self, app_id, origination, number):
        assert (app_id, origination) == (APP, OURS), "the brand's list, for the number written to"
        self.calls.append(("list-add", number))
        self.listed.add(number)

    def remove(self, app_id, origination, number):
        assert (app_id, origination) == (APP, OURS)
        self.calls.append(("list-remove", number))
        self.listed.discard(number)

    def reply(self, inbound, app_id, keyword, text):
        assert inbound.customer not in self.listed, "a reply to a listed number would be refused"
        self.calls.append(("reply", keyword, text))

    def publish(self, inbound, app_id, intent, outcome):
        self.calls.append(("publish", intent, outcome["opted_out"]))

    def audit(self, inbound, app_id):
        self.calls.append(("audit", inbound.body))


def inbound(body, message_id="in-1"):
    return parse_inbound({"inboundMessageId": message_id, "originationNumber": CUSTOMER,
                          "destinationNumber": OURS, "messageKeyword": "KEYWORD_123",
                          "messageBody": body}, received_at="2026-11-26T07:00:00.000Z")  # fmt: skip


@pytest.fixture
def world():
    endpoints = MemoryEndpoints([
        {"ApplicationId": APP, "Id": "sms-1", "ChannelType": "SMS", "Address": CUSTOMER},
        {"ApplicationId": APP, "Id": "voice-1", "ChannelType": "VOICE", "Address": "+1 (206) 555-0123"},
        {"ApplicationId": APP, "Id": "other", "ChannelType": "SMS", "Address": "+12065550199"},
    ])  # fmt: skip
    return MemoryConsent(), endpoints, Recorder()


def run(world, body, message_id="in-1"):
    consents, endpoints, recorder = world
    return handle(inbound(body, message_id), APP, keywords(), consents, endpoints, recorder, recorder)


def test_a_revocation_in_a_sentence_opts_the_number_out_everywhere_and_confirms_once(world):
    consents, endpoints, recorder = world
    outcome = run(world, "please stop texting me")
    assert outcome.intent == Intent.OPT_OUT and outcome.endpoints == ["sms-1", "voice-1"]
    assert [endpoints.get(APP, e)["OptOut"] for e in ("sms-1", "voice-1")] == ["ALL", "ALL"]
    assert "OptOut" not in endpoints.get(APP, "other")
    for channel in ("SMS", "VOICE"):
        record = consents.get(APP, channel, CUSTOMER)
        assert (record.status, record.source, record.source_message_id) == (
            ConsentStatus.OPTED_OUT,
            "sms-keyword",
            "in-1",
        )
    assert recorder.calls == [  # the sender lists the number once the confirmation is settled
        ("reply", "OPT_OUT", DEFAULT_OPT_OUT_REPLY),
        ("publish", Intent.OPT_OUT, True),
    ]


def test_weekend_opts_nobody_out_and_goes_to_the_conversation(world):
    consents, _endpoints, recorder = world
    outcome = run(world, "See you this WEEKEND")
    assert outcome.intent == Intent.OTHER and not outcome.opted_out
    assert consents.get(APP, "SMS", CUSTOMER) is None and recorder.calls == [("publish", Intent.OTHER, False)]


def test_after_an_opt_out_only_an_explicit_opt_in_reinstates(world):
    consents, endpoints, recorder = world
    run(world, "STOP", "in-1")
    recorder.add(APP, OURS, CUSTOMER)  # as the sender does once the confirmation is settled
    run(world, "yes please send me more", "in-2")  # not the whole message: not an opt-in
    assert run(world, "HELP", "in-3").replied is False, "an opted-out number can't be answered"
    assert consents.get(APP, "SMS", CUSTOMER).status == ConsentStatus.OPTED_OUT
    outcome = run(world, " Start ", "in-4")
    assert outcome.opted_in and consents.get(APP, "VOICE", CUSTOMER).status == ConsentStatus.OPTED_IN
    assert endpoints.get(APP, "sms-1")["OptOut"] == "NONE" and CUSTOMER not in recorder.listed
    assert recorder.calls[-3:-1] == [("list-remove", CUSTOMER), ("reply", "OPT_IN", recorder.calls[-2][2])]


def test_an_opt_in_from_someone_never_opted_out_changes_nothing(world):
    consents, _endpoints, recorder = world
    outcome = run(world, "START")
    assert outcome.intent == Intent.OPT_IN and not outcome.opted_in and not outcome.replied
    assert consents.get(APP, "SMS", CUSTOMER) is None and recorder.calls == [
        ("publish", Intent.OPT_IN, False)
    ]


def test_a_probable_revocation_opts_out_at_once_and_is_queued_for_audit(world):
    _consents, _endpoints, recorder = world
    outcome = run(world, "Wrong number, who is this?")
    assert outcome.intent == Intent.PROBABLE_OPT_OUT and outcome.opted_out
    assert ("audit", "Wrong number, who is this?") in recorder.calls


def test_help_is_answered_while_subscribed(world):
    assert run(world, " help ").replied
    assert world[2].calls[0] == ("reply", "HELP", DEFAULT_HELP_REPLY)


def test_a_second_revocation_is_not_confirmed_again_but_a_retry_of_the_first_is(world):
    consents, endpoints, recorder = world
    run(world, "STOP", "in-1")
    first = dict(consents.records)
    assert run(world, "STOP", "in-1").replied, "a retry of the same message: the send ledger dedupes"
    assert consents.records == first and endpoints.get(APP, "sms-1")["OptOut"] == "ALL"
    assert run(world, "stop it", "in-2").replied is False, "one confirmation per opt-out"
    assert recorder.calls[-2] == ("list-add", CUSTOMER), "an opt-out confirmed before is listed at once"
    assert [c for c in recorder.calls if c[0] == "reply"] == [("reply", "OPT_OUT", DEFAULT_OPT_OUT_REPLY)] * 2


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ("not json", "message"),
        ([1, 2], "message"),
        ({"originationNumber": CUSTOMER, "destinationNumber": OURS, "messageBody": "hi"}, "inboundMessageId"),
        (
            {
                "inboundMessageId": "x",
                "originationNumber": "12345",
                "destinationNumber": OURS,
                "messageBody": "hi",
            },
            None,
        ),
        ({"inboundMessageId": "x", "originationNumber": CUSTOMER, "destinationNumber": OURS}, "messageBody"),
    ],
)
def test_a_malformed_message_is_named(document, field):
    with pytest.raises(ValidationError) as raised:
        parse_inbound(document)
    assert field is None or raised.value.field == field


def test_each_brand_has_its_own_answers_and_a_malformed_map_is_refused():
    replies = replies_by_brand(
        {"HELP_REPLY": "Stack help", "SMS_BRAND_REPLIES": '{"brandb": {"Help": "B help"}}'}
    )
    assert replies("brandb").help == "B help" and replies("brandb").opt_out == DEFAULT_OPT_OUT_REPLY
    assert replies(APP).help == "Stack help"
    with pytest.raises(ValidationError, match=r"SMS_BRAND_REPLIES\.brandb"):
        replies_by_brand({"SMS_BRAND_REPLIES": '{"brandb": {"Stop": "x"}}'})


def test_an_answer_is_a_transactional_send_request_from_the_number_written_to_keyed_by_the_message():
    request = reply_request(
        inbound("STOP"), APP, "OPT_OUT", "Bye", lambda app, channel, a: "address-" + "0" * 32
    )
    again = parse_request(request.to_body())
    assert again == request and again.keyword_reply == "OPT_OUT" and again.transactional
    assert again.message == {"Body": "Bye", "MessageType": "TRANSACTIONAL", "OriginationNumber": OURS}
    assert again.address == CUSTOMER and again.key == f"{APP}#sms-in-1#opt-out#address-{'0' * 32}"


def test_the_number_written_to_names_the_application():
    assert application_for(OURS, {OURS: APP, "*": "fallback"}, "tagged") == "tagged", "its tag wins"
    assert application_for(OURS, {OURS: APP, "*": "fallback"}) == APP
    assert application_for("+18005550111", {OURS: APP, "*": "fallback"}) == "fallback"
    with pytest.raises(ValidationError, match="belongs to no application"):
        application_for("+18005550111", {OURS: APP})


def test_the_adapters_call_end_user_messaging_eventbridge_and_sqs_in_their_models_shapes():
    import boto3
    from botocore.stub import Stubber
    from engage.adapters.eventbridge.bus import EventBus
    from engage.adapters.sms_voice.inbound import BrandOptOutLists, InboundOutlets, NumberBrands

    def client(service):
        return boto3.client(
            service, region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )

    sms, events, sqs = client("pinpoint-sms-voice-v2"), client("events"), client("sqs")
    message = inbound("wrong number")
    queued: list[str] = []

    class Queue:
        def enqueue(self, bodies):
            queued.extend(bodies)
            return ["q-1"] * len(bodies)

    pseudonym = lambda app, channel, address: "address-" + "1" * 32  # noqa: E731
    outlets = InboundOutlets(Queue(), pseudonym, EventBus(events), "bus", sqs, "https://sqs/audit")
    arn = "arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-1"
    number = {"PhoneNumberArn": arn, "PhoneNumberId": "phone-1", "PhoneNumber": OURS, "Status": "ACTIVE",
              "IsoCountryCode": "US", "MessageType": "TRANSACTIONAL", "NumberCapabilities": ["SMS"],
              "NumberType": "TOLL_FREE", "MonthlyLeasingPrice": "1", "TwoWayEnabled": True,
              "SelfManagedOptOutsEnabled": True, "OptOutListName": "Default",
              "DeletionProtectionEnabled": False, "CreatedTimestamp": 0}  # fmt: skip
    with Stubber(sms) as sms_stub, Stubber(events) as events_stub, Stubber(sqs) as sqs_stub:
        sms_stub.add_response("describe_phone_numbers", {"PhoneNumbers": [number]})
        sms_stub.add_response(
            "list_tags_for_resource",
            {"ResourceArn": arn, "Tags": [{"Key": "engage:ApplicationId", "Value": APP}]},
        )
        sms_stub.add_client_error("create_opt_out_list", "ConflictException", "exists")
        sms_stub.add_response("describe_phone_numbers", {"PhoneNumbers": [number]})
        sms_stub.add_response(
            "update_phone_number",
            {"PhoneNumberId": "phone-1"},
            {"PhoneNumberId": "phone-1", "OptOutListName": f"engage-ab12-{APP}"},
        )
        sms_stub.add_response(
            "put_opted_out_number", {}, {"OptOutListName": f"engage-ab12-{APP}", "OptedOutNumber": CUSTOMER}
        )
        sms_stub.add_client_error("delete_opted_out_number", "ResourceNotFoundException", "not listed")
        events_stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]})
        sqs_stub.add_response("send_message", {"MessageId": "q-1"})
        assert NumberBrands(sms).of(OURS) == APP
        lists = BrandOptOutLists(sms, "engage-ab12")
        lists.add(APP, OURS, CUSTOMER)  # creates (or finds) the brand's list and associates the number
        lists.remove(APP, OURS, CUSTOMER)  # associated already; not listed: nothing to do
        outlets.reply(message, APP, "HELP", "Help text")
        outlets.publish(message, APP, Intent.PROBABLE_OPT_OUT, {"opted_out": True})
        outlets.audit(message, APP)
    (body,) = queued
    assert parse_request(body).keyword_reply == "HELP"
