"""Push through the surviving Pinpoint SendMessages (engage.adapters.pinpoint.push), request shapes checked
by botocore's Stubber against the real model."""

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.pinpoint.push import PinpointPushSender
from engage.errors import DeliveryRefusedError, ThrottledError


def answer(status, code=200, message_id="m-1"):
    result = {"DeliveryStatus": status, "StatusCode": code, "MessageId": message_id}
    return {"MessageResponse": {"ApplicationId": "push-project", "Result": {"tok": result}}}


@pytest.fixture
def stubbed():
    client = boto3.client("pinpoint", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield PinpointPushSender(client, "push-project"), stubber


def test_a_notification_goes_to_the_token_on_its_platform(stubbed):
    sender, stubber = stubbed
    stubber.add_response(
        "send_messages",
        answer("SUCCESSFUL"),
        {
            "ApplicationId": "push-project",
            "MessageRequest": {
                "Addresses": {"tok": {"ChannelType": "APNS_SANDBOX"}},
                "Context": {"campaign_id": "c1"},
                "MessageConfiguration": {"APNSMessage": {"Title": "T", "Body": "B"}},
            },
        },
    )
    assert (
        sender.send_push(
            "APNS_SANDBOX", "tok", {"Title": "T", "Body": "B", "Other": "x"}, {"campaign_id": "c1"}
        )
        == "m-1"
    )


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("THROTTLED", ThrottledError),
        ("TEMPORARY_FAILURE", ThrottledError),
        ("PERMANENT_FAILURE", DeliveryRefusedError),
        ("OPT_OUT", DeliveryRefusedError),
    ],
)
def test_each_delivery_status_is_retried_or_refused(stubbed, status, error):
    sender, stubber = stubbed
    stubber.add_response("send_messages", answer(status, 400))
    with pytest.raises(error):
        sender.send_push("GCM", "tok", {"Body": "B"})


def test_the_api_throttling_is_retryable_and_no_project_is_a_refusal(stubbed):
    sender, stubber = stubbed
    stubber.add_client_error("send_messages", "TooManyRequestsException", http_status_code=429)
    with pytest.raises(ThrottledError):
        sender.send_push("GCM", "tok", {"Body": "B"})
    with pytest.raises(DeliveryRefusedError, match="NO_PUSH_PROJECT"):
        PinpointPushSender(sender.client, None).send_push("GCM", "tok", {"Body": "B"})


def test_an_apns_image_is_sent_as_media_url(stubbed):
    sender, stubber = stubbed
    expected = {
        "ApplicationId": "push-project",
        "MessageRequest": {
            "Addresses": {"tok": {"ChannelType": "APNS"}},
            "Context": {},
            "MessageConfiguration": {
                "APNSMessage": {"Body": "B", "MediaUrl": "https://cdn.example.com/i.png"}
            },
        },
    }
    stubber.add_response("send_messages", answer("SUCCESSFUL"), expected)
    sender.send_push("APNS", "tok", {"Body": "B", "ImageUrl": "https://cdn.example.com/i.png"})
