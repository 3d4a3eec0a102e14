"""SendMessages and SendUsersMessages (engage.messages.direct): Pinpoint's request shapes become
send requests on the queue; ineligible recipients are answered at once; limits and TraceId."""

import json

import pytest
from engage.consent import consent_record
from engage.errors import LimitExceededError, ValidationError
from engage.messages.direct import DirectSends
from engage.messages.request import address_recipient, parse_request

from tests.support.fakes import MemoryConsent, MemoryEndpoints, MemoryQueue, MemorySuppressions

APP = "directapp"
EMAIL = {
    "EmailMessage": {
        "FromAddress": "a@example.com",
        "SimpleEmail": {"Subject": {"Data": "S"}, "TextPart": {"Data": "T"}},
    }
}


def direct(*endpoints, refuse=()):
    return DirectSends(
        MemoryEndpoints(endpoints),
        MemoryConsent(),
        MemorySuppressions(),
        MemoryQueue(refuse),
        lambda app, channel, address: address_recipient(b"k", app, channel, address),
    )


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


def test_addresses_and_endpoints_become_transactional_queue_messages():
    sends = direct(ep("e1"))
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
    assert response["Result"]["+12065550111"] == {
        "DeliveryStatus": "SUCCESSFUL",
        "StatusCode": 202,
        "StatusMessage": "Queued for sending",
        "MessageId": "q-1",
    }
    assert response["EndpointResult"]["e1"]["Address"] == "e1@example.org"
    sms, email = (parse_request(b) for b in sends.queue.bodies)
    assert (sms.address, sms.message, sms.transactional) == (
        "+12065550111",
        {"Body": "Code 1", "OriginationNumber": "+18005550100"},
        True,
    )
    assert (
        email.endpoint_id == "e1" and email.message["Subject"] == "S" and email.substitutions == {"X": ["y"]}
    )
    assert sms.request_id == email.request_id == response["RequestId"]


def test_ineligible_recipients_are_answered_and_not_queued():
    sends = direct(ep("out", OptOut="ALL"), ep("off", EndpointStatus="INACTIVE"), ep("sms", "SMS"))
    sends.consent.record(
        consent_record(APP, "EMAIL", "nope@example.org", "OPTED_OUT", "one-click-unsubscribe")
    )
    response = sends.send_messages(
        APP,
        {
            "Addresses": {"nope@example.org": {"ChannelType": "EMAIL"}},
            "Endpoints": {"out": {}, "off": {}, "gone": {}, "sms": {}},
            "MessageConfiguration": EMAIL,
        },
    )
    assert response["Result"]["nope@example.org"]["DeliveryStatus"] == "OPT_OUT"
    statuses = {k: v["DeliveryStatus"] for k, v in response["EndpointResult"].items()}
    assert statuses == {
        "out": "OPT_OUT",
        "off": "PERMANENT_FAILURE",
        "gone": "PERMANENT_FAILURE",
        "sms": "PERMANENT_FAILURE",
    }
    assert "SMSMessage" in response["EndpointResult"]["sms"]["StatusMessage"]
    assert sends.queue.bodies == []


def test_templates_are_named_and_a_trace_id_is_the_request_id():
    sends = direct(ep("e1"))
    response = sends.send_messages(
        APP,
        {
            "Endpoints": {"e1": {}},
            "TemplateConfiguration": {"EmailTemplate": {"Name": "welcome", "Version": "3"}},
            "TraceId": "t-1",
        },
    )
    (queued,) = [json.loads(b) for b in sends.queue.bodies]
    assert queued["Message"] == {"TemplateName": "welcome", "TemplateVersion": "3"}
    assert response["RequestId"] == queued["RequestId"] == "t-1"


def test_a_message_the_queue_refuses_is_a_temporary_failure():
    sends = direct(ep("e1"), ep("e2"), refuse=[0])
    response = sends.send_messages(APP, {"Endpoints": {"e1": {}, "e2": {}}, "MessageConfiguration": EMAIL})
    assert [r["DeliveryStatus"] for r in response["EndpointResult"].values()] == [
        "TEMPORARY_FAILURE",
        "SUCCESSFUL",
    ]


def test_users_messages_reach_each_endpoint_of_each_user():
    sends = direct(ep("m", user="u1"), ep("s", "SMS", user="u1"), ep("other", user="u2"))
    response = sends.send_users_messages(
        APP,
        {"Users": {"u1": {}, "nobody": {}}, "MessageConfiguration": {**EMAIL, "SMSMessage": {"Body": "b"}}},
    )
    assert set(response["Result"]["u1"]) == {"m", "s"} and response["Result"]["nobody"] == {}
    assert len(sends.queue.bodies) == 2


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
        direct(ep("e1")).send_messages(APP, request_)
    assert refused.value.field == field
