"""The channel operations through a real boto3 pinpoint client on the local stack: each channel is
set, read and deleted as Pinpoint kept it; a push channel's credentials go to the push project (the
surviving Pinpoint API) and never come back; a channel turned off refuses sends when they go out."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from engage_local.api import wait_until
from tests.e2e.conftest import PUSH_PROJECT

pytestmark = pytest.mark.e2e
EMAIL_CHANNEL = {
    "FromAddress": "news@example.com",
    "Identity": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
}

TOKEN_KEY = (
    "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----"
)


def test_email_sms_and_voice_channels_are_set_read_listed_and_deleted(pinpoint, new_app):
    app = new_app("channels")
    email = pinpoint.update_email_channel(
        ApplicationId=app,
        EmailChannelRequest={
            "FromAddress": "news@example.com",
            "Identity": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
            "ConfigurationSet": "engage",
        },
    )["EmailChannelResponse"]
    assert (email["Platform"], email["Enabled"], email["Version"]) == ("EMAIL", True, 1)
    # An update changes the members it is given (here only Enabled) and counts a version.
    pinpoint.update_email_channel(
        ApplicationId=app,
        EmailChannelRequest={
            "FromAddress": "news@example.com",
            "Identity": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
            "Enabled": False,
        },
    )
    read = pinpoint.get_email_channel(ApplicationId=app)["EmailChannelResponse"]
    assert (read["Enabled"], read["ConfigurationSet"], read["Version"]) == (False, "engage", 2)
    assert read["CreationDate"] == email["CreationDate"] <= read["LastModifiedDate"]

    sms = pinpoint.update_sms_channel(ApplicationId=app, SMSChannelRequest={"SenderId": "ENGAGE"})
    assert sms["SMSChannelResponse"]["SenderId"] == "ENGAGE"
    pinpoint.update_voice_channel(ApplicationId=app, VoiceChannelRequest={"Enabled": True})
    listed = pinpoint.get_channels(ApplicationId=app)["ChannelsResponse"]["Channels"]
    assert {k: v["Enabled"] for k, v in listed.items()} == {"EMAIL": False, "SMS": True, "VOICE": True}

    deleted = pinpoint.delete_voice_channel(ApplicationId=app)["VoiceChannelResponse"]
    assert deleted["Platform"] == "VOICE"
    with pytest.raises(ClientError) as missing:
        pinpoint.get_voice_channel(ApplicationId=app)
    assert missing.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as refused:
        pinpoint.update_email_channel(
            ApplicationId=app, EmailChannelRequest={**EMAIL_CHANNEL, "RoleArn": "not-a-role"}
        )
    assert refused.value.response["Error"]["Code"] == "BadRequestException"


def test_a_push_channels_credentials_go_to_the_push_project_and_never_come_back(
    pinpoint, new_app, local_stack
):
    app = new_app("push-channels")
    request = {
        "BundleId": "com.example.shop",
        "TeamId": "TEAM123456",
        "TokenKeyId": "KEY1234567",
        "TokenKey": TOKEN_KEY,
        "DefaultAuthenticationMethod": "TOKEN",
    }
    answer = pinpoint.update_apns_sandbox_channel(ApplicationId=app, APNSSandboxChannelRequest=request)
    channel = answer["APNSSandboxChannelResponse"]
    assert (channel["HasCredential"], channel["HasTokenKey"], channel["Enabled"]) == (True, True, True)
    assert "TokenKey" not in channel
    kept = local_stack.client("pinpoint").get_apns_sandbox_channel(ApplicationId=PUSH_PROJECT)
    assert kept["APNSSandboxChannelResponse"]["Enabled"] is True
    # The push service checks the credentials' form: a key that is not a .p8 key is refused.
    with pytest.raises(ClientError) as refused:
        pinpoint.update_apns_sandbox_channel(
            ApplicationId=app, APNSSandboxChannelRequest={**request, "TokenKey": "not a key"}
        )
    assert refused.value.response["Error"]["Code"] == "BadRequestException"

    pinpoint.delete_apns_sandbox_channel(ApplicationId=app)  # no other application has it: it goes
    with pytest.raises(ClientError):
        local_stack.client("pinpoint").get_apns_sandbox_channel(ApplicationId=PUSH_PROJECT)


def test_a_disabled_channel_refuses_sends_when_they_go_out(pinpoint, new_app):
    app = new_app("disabled-channel")
    pinpoint.update_endpoint(
        ApplicationId=app,
        EndpointId="reader",
        EndpointRequest={"ChannelType": "EMAIL", "Address": f"reader-{uuid.uuid4().hex[:6]}@example.org"},
    )
    email = {"FromAddress": "news@example.com", "Identity": "example.com"}
    message = {
        "Endpoints": {"reader": {}},
        "MessageConfiguration": {
            "EmailMessage": {
                "FromAddress": "news@example.com",
                "SimpleEmail": {"Subject": {"Data": "Hi"}, "TextPart": {"Data": "Hello"}},
            }
        },
    }

    def send() -> dict:
        answer = pinpoint.send_messages(ApplicationId=app, MessageRequest=message)["MessageResponse"]
        return answer["EndpointResult"]["reader"]

    pinpoint.update_email_channel(ApplicationId=app, EmailChannelRequest={**email, "Enabled": False})
    refused = send()
    assert refused["DeliveryStatus"] == "PERMANENT_FAILURE"
    assert refused["StatusMessage"] == "CHANNEL_DISABLED: the application's EMAIL channel is disabled"
    pinpoint.update_email_channel(ApplicationId=app, EmailChannelRequest={**email, "Enabled": True})

    # The sender remembers an application's channels for a few seconds: a send with a new TraceId
    # goes out once that has passed.
    def sent() -> bool:
        message["TraceId"] = uuid.uuid4().hex
        return send()["DeliveryStatus"] == "SUCCESSFUL"

    assert wait_until(sent, 20, 1.0)
