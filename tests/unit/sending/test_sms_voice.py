"""The SMS and voice adapter against botocore's model (Stubber checks the request shapes)."""

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.sms_voice.text import SmsSettings, SmsVoiceSender
from engage.errors import DeliveryRefusedError, ThrottledError


@pytest.fixture
def stubbed():
    client = boto3.client(
        "pinpoint-sms-voice-v2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield SmsVoiceSender(client, SmsSettings("pool-123", "engage-app-1")), stubber
        stubber.assert_no_pending_responses()


def test_a_text_message_carries_the_identity_type_configuration_set_and_context(stubbed):
    sender, stubber = stubbed
    stubber.add_response(
        "send_text_message",
        {"MessageId": "m-1"},
        {
            "DestinationPhoneNumber": "+12065550100",
            "MessageBody": "Your code is 123456",
            "OriginationIdentity": "pool-123",
            "ConfigurationSetName": "engage-app-1",
            "Context": {"campaign_id": "c-1", "endpoint_id": "ep-1"},
            "MessageType": "TRANSACTIONAL",
        },
    )
    assert (
        sender.send_text(
            "+12065550100", "Your code is 123456", context={"campaign_id": "c-1", "endpoint_id": "ep-1"}
        )
        == "m-1"
    )


def test_a_voice_message_says_text_or_ssml(stubbed):
    sender, stubber = stubbed
    stubber.add_response(
        "send_voice_message",
        {"MessageId": "v-1"},
        {
            "DestinationPhoneNumber": "+12065550100",
            "MessageBody": "<speak>Hello</speak>",
            "OriginationIdentity": "pool-123",
            "ConfigurationSetName": "engage-app-1",
            "MessageBodyTextType": "SSML",
            "VoiceId": "JOANNA",
        },
    )
    assert sender.send_voice("+12065550100", "<speak>Hello</speak>", voice_id="JOANNA", ssml=True) == "v-1"


def test_throttling_is_retryable_and_an_opted_out_number_is_refused_by_reason(stubbed):
    sender, stubber = stubbed
    stubber.add_client_error("send_text_message", service_error_code="ThrottlingException")
    with pytest.raises(ThrottledError):
        sender.send_text("+12065550100", "x")
    stubber.add_client_error(
        "send_text_message",
        service_error_code="ConflictException",
        service_message="opted out",
        response_meta={},
        modeled_fields={
            "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT",
            "ResourceType": "opted-out-number",
            "ResourceId": "+12065550100",
        },
    )
    with pytest.raises(DeliveryRefusedError) as refused:
        sender.send_text("+12065550100", "x")
    assert refused.value.code == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    with pytest.raises(DeliveryRefusedError, match="message type"):
        sender.send_text("+12065550100", "x", message_type="MARKETING")


def test_voice_without_an_origination_identity_is_refused_before_any_call():
    sender = SmsVoiceSender(boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1"), SmsSettings())
    with pytest.raises(DeliveryRefusedError) as refused:
        sender.send_voice("+12065550100", "Hello")
    assert refused.value.code == "NO_ORIGINATION_IDENTITY"


def test_a_message_botocore_rejects_is_refused_not_left_in_doubt():
    client = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
    sender = SmsVoiceSender(client, SmsSettings("pool-123"))
    with pytest.raises(DeliveryRefusedError) as refused:
        sender.send_text("+12065550100", None)  # not a string: botocore refuses it before sending
    assert refused.value.code == "INVALID_REQUEST"
