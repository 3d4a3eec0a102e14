"""SendMessages and SendUsersMessages (engage.sending.direct): Pinpoint's request shapes sent now
through the real sender (in-memory stores and channels), each recipient answered with what the
channel did; ineligible recipients answered without a call; limits and TraceId."""

import pytest
from engage.consent import consent_record
from engage.errors import LimitExceededError, ValidationError
from engage.sending.direct import DirectSends
from engage.sending.governor import Limits
from engage.sending.request import address_recipient

from tests.unit.sending.test_sender import make, reported

APP = "directapp"
EMAIL = {
    "EmailMessage": {
        "FromAddress": "a@example.com",
        "SimpleEmail": {"Subject": {"Data": "S"}, "TextPart": {"Data": "T"}},
    }
}


def direct(*endpoints, email_script=(), text_script=(), limits=None):
    sender, clock = make(endpoints, email_script, text_script, limits)
    sends = DirectSends(
        sender.endpoints,
        sender.consent,
        sender.suppressions,
        sender,
        lambda app, channel, address: address_recipient(b"k", app, channel, address),
        clock=clock,
        wait_seconds=1.0,
    )
    return sends, sender


def ep(endpoint_id, channel="EMAIL", user=None, **extra):
    address = f"{endpoint_id}@example.org" if channel == "EMAIL" else "+12065550100"
    return {
        "ApplicationId": APP,
        "Id": endpoint_id,
        "ChannelType": channel,
        "Address": address,
        "User": {"UserId": user},
        **extra,
    }


def test_addresses_and_endpoints_are_sent_before_the_answer_with_the_id_the_events_carry():
    sends, sender = direct(ep("e1"))
    response = sends.send_messages(
        APP,
        {
            "Addresses": {"+12065550111": {"ChannelType": "SMS", "BodyOverride": "Code 1"}},
            "Endpoints": {"e1": {"Substitutions": {"X": ["y"]}}},
            "MessageConfiguration": {
                **EMAIL,
                "SMSMessage": {"Body": "ignored", "OriginationNumber": "+18005550100"},
            },
        },
    )
    (text,) = sender.texts.sent
    assert (text["to"], text["body"], text["type"]) == ("+12065550111", "Code 1", "TRANSACTIONAL")
    assert response["Result"]["+12065550111"] == {
        "DeliveryStatus": "SUCCESSFUL",
        "StatusCode": 200,
        "StatusMessage": f"MessageId: {text['MessageId']}",
        "MessageId": text["MessageId"],
    }
    (email,) = sender.email.sent
    endpoint = response["EndpointResult"]["e1"]
    assert endpoint["Address"] == "e1@example.org" and endpoint["MessageId"] == email["MessageId"]
    assert {r["attributes"]["message_id"] for r in reported(sender)} == {
        text["MessageId"],
        email["MessageId"],
    }
    assert {r["attributes"]["request_id"] for r in reported(sender)} == {response["RequestId"]}


def test_a_display_name_from_address_is_sent_as_pinpoint_and_ses_take_it():
    sends, sender = direct(ep("e1"))
    message = {"EmailMessage": {**EMAIL["EmailMessage"], "FromAddress": "Shop <shop@example.com>"}}
    response = sends.send_messages(APP, {"Endpoints": {"e1": {}}, "MessageConfiguration": message})
    assert response["EndpointResult"]["e1"]["DeliveryStatus"] == "SUCCESSFUL"
    (email,) = sender.email.sent
    assert email["sender"] == "shop@example.com" and b"From: Shop <shop@example.com>" in email["raw"]


def test_ineligible_recipients_are_answered_and_nothing_is_sent_to_them():
    sends, sender = direct(ep("out", OptOut="ALL"), ep("off", EndpointStatus="INACTIVE"), ep("sms", "SMS"))
    sends.consent.record(
        consent_record(APP, "EMAIL", "nope@example.org", "OPTED_OUT", "one-click-unsubscribe")
    )
    response = sends.send_messages(
        APP,
        {
            "Addresses": {
                "nope@example.org": {"ChannelType": "EMAIL"},
                "+12065550122": {"ChannelType": "SMS"},
            },
            "Endpoints": {"out": {}, "off": {}, "gone": {}, "sms": {}},
            "MessageConfiguration": EMAIL,
        },
    )
    assert response["Result"]["nope@example.org"]["DeliveryStatus"] == "OPT_OUT"
    # An address given only another channel's message is answered as an endpoint would be.
    by_endpoint = {k: v for k, v in response["EndpointResult"]["sms"].items() if k != "Address"}
    assert response["Result"]["+12065550122"] == by_endpoint
    statuses = {k: v["DeliveryStatus"] for k, v in response["EndpointResult"].items()}
    assert statuses == {
        "out": "OPT_OUT",
        "off": "PERMANENT_FAILURE",
        "gone": "PERMANENT_FAILURE",
        "sms": "PERMANENT_FAILURE",
    }
    assert "SMSMessage" in response["EndpointResult"]["sms"]["StatusMessage"]
    assert sender.email.sent == [] and sender.texts.sent == []


def test_a_missing_template_is_a_permanent_failure_that_names_it():
    sends, sender = direct(ep("e1"))
    response = sends.send_messages(
        APP, {"Endpoints": {"e1": {}}, "TemplateConfiguration": {"EmailTemplate": {"Name": "welcome"}}}
    )
    answer = response["EndpointResult"]["e1"]
    assert (answer["DeliveryStatus"], answer["StatusCode"]) == ("PERMANENT_FAILURE", 400)
    assert "welcome" in answer["StatusMessage"] and "MessageId" not in answer
    assert sender.email.sent == []


def test_a_named_template_and_a_trace_id_that_answers_a_retry_without_sending_again():
    sends, sender = direct(ep("e1"))
    sender.templates.create("EMAIL", "welcome", {"Subject": "Hi", "TextPart": "Hello"})
    request = {
        "Endpoints": {"e1": {}},
        "TemplateConfiguration": {"EmailTemplate": {"Name": "welcome"}},
        "TraceId": "t-1",
    }
    first = sends.send_messages(APP, request)
    again = sends.send_messages(APP, request)
    assert first["RequestId"] == again["RequestId"] == "t-1"
    assert again["EndpointResult"]["e1"] == first["EndpointResult"]["e1"]
    assert first["EndpointResult"]["e1"]["DeliveryStatus"] == "SUCCESSFUL" and len(sender.email.sent) == 1


def test_no_room_in_the_rate_is_throttled_and_a_channel_failure_temporary():
    sends, sender = direct(ep("e1"), ep("e2"), ep("e3"), limits=Limits(rate=1, burst=1))
    sender.governor.limits = lambda _identity: Limits(rate=0.01, burst=1)  # one now, the next in 100 s
    response = sends.send_messages(
        APP, {"Endpoints": {"e1": {}, "e2": {}, "e3": {}}, "MessageConfiguration": EMAIL}
    )
    statuses = sorted(r["DeliveryStatus"] for r in response["EndpointResult"].values())
    assert statuses == ["SUCCESSFUL", "THROTTLED", "THROTTLED"] and len(sender.email.sent) == 1
    throttled = next(r for r in response["EndpointResult"].values() if r["DeliveryStatus"] == "THROTTLED")
    assert throttled["StatusCode"] == 429


def test_users_messages_reach_each_endpoint_of_each_user():
    sends, sender = direct(ep("m", user="u1"), ep("s", "SMS", user="u1"), ep("other", user="u2"))
    response = sends.send_users_messages(
        APP,
        {"Users": {"u1": {}, "nobody": {}}, "MessageConfiguration": {**EMAIL, "SMSMessage": {"Body": "b"}}},
    )
    assert set(response["Result"]["u1"]) == {"m", "s"} and response["Result"]["nobody"] == {}
    assert {r["DeliveryStatus"] for r in response["Result"]["u1"].values()} == {"SUCCESSFUL"}
    assert len(sender.email.sent) == len(sender.texts.sent) == 1


@pytest.mark.parametrize(
    ("request_", "error", "field"),
    [
        ({}, ValidationError, "Addresses"),
        (
            {"Addresses": {f"+1206555{i:04d}": {"ChannelType": "SMS"} for i in range(101)}},
            LimitExceededError,
            "Addresses",
        ),
        ({"Addresses": {"x": {"ChannelType": "FAX"}}}, ValidationError, "Addresses.x.ChannelType"),
        ({"Endpoints": {"e1": {}}, "TraceId": "a#b"}, ValidationError, "TraceId"),
    ],
)
def test_bad_requests_are_refused_by_field(request_, error, field):
    with pytest.raises(error) as refused:
        direct(ep("e1"))[0].send_messages(APP, request_)
    assert refused.value.field == field
