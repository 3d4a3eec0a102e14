"""An application's channels (engage.applications.channels and the service's channel operations):
Pinpoint's request rules, responses in botocore's shapes, push credentials handed to the push
project and never kept, and the switch a send checks when it goes out."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber
from engage.adapters.pinpoint.push_channels import PinpointPushChannels
from engage.applications import Applications, ChannelSwitches
from engage.applications.channels import COMMON_MEMBERS, KINDS, updated_channel
from engage.errors import NotFoundError, ValidationError

from tests.support.fakes import MemoryApplications
from tests.support.model_shapes import problems

ARN = "arn:aws:mobiletargeting:us-east-1:123456789012:apps/"
EMAIL = {"FromAddress": "news@example.com", "Identity": "example.com"}
APNS_TOKEN = {
    "BundleId": "com.example.shop",
    "TeamId": "TEAM123456",
    "TokenKeyId": "KEY1234567",
    "TokenKey": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----",
}
REQUESTS = {
    "email": EMAIL,
    "sms": {"SenderId": "ENGAGE", "ShortCode": "12345"},
    "voice": {"Enabled": True},
    "apns": APNS_TOKEN,
    "apns_sandbox": APNS_TOKEN,
    "apns_voip": {"Certificate": "cert", "PrivateKey": "key"},
    "apns_voip_sandbox": APNS_TOKEN,
    "gcm": {"ApiKey": "fcm-key"},
    "adm": {"ClientId": "amzn1.application", "ClientSecret": "secret"},
    "baidu": {"ApiKey": "baidu-key", "SecretKey": "baidu-secret"},
}


class PushProject:
    def __init__(self) -> None:
        self.channels: dict[str, dict] = {}

    def update(self, platform, request):
        self.channels[platform] = request

    def delete(self, platform):
        self.channels.pop(platform)


def service(push: PushProject | None = None) -> tuple[Applications, str, str]:
    apps = Applications(MemoryApplications(), ARN, push_channels=push)
    first = apps.create({"Name": "one"})["Id"]
    second = apps.create({"Name": "two"})["Id"]
    return apps, first, second


@pytest.mark.parametrize("path", sorted(KINDS))
def test_each_channel_answers_in_its_botocore_shape_without_credentials(path):
    apps, app, _ = service(PushProject())
    kind = KINDS[path]
    answer = apps.update_channel(app, path, REQUESTS[path], "arn:aws:iam::123456789012:user/ana")
    assert problems("pinpoint", kind.response, answer) == []
    assert answer["Platform"] == kind.platform and answer["Version"] == 1 and answer["Enabled"] is True
    assert apps.channel(app, path) == answer
    secrets = {"TokenKey", "PrivateKey", "Certificate", "ClientSecret", "SecretKey", "ServiceJson"}
    assert not secrets & set(answer) and not secrets & set(apps.channel_states(app)[kind.platform])
    assert answer["HasCredential"] is kind.push


def test_an_update_merges_into_the_channel_and_counts_a_version():
    apps, app, _ = service()
    apps.update_channel(app, "email", {**EMAIL, "ConfigurationSet": "engage"}, "ana")
    again = apps.update_channel(app, "email", {**EMAIL, "Enabled": False}, "ana")
    assert (again["ConfigurationSet"], again["Enabled"], again["Version"]) == ("engage", False, 2)
    summary = {k: again[k] for k in COMMON_MEMBERS if k != "Platform"}
    assert apps.channels(app) == {"Channels": {"EMAIL": summary}}
    assert summary["LastModifiedBy"] == "ana" and summary["IsArchived"] is False


@pytest.mark.parametrize(
    ("path", "request_body", "field"),
    [
        ("email", {"FromAddress": "news@example.com"}, "EmailChannelRequest.Identity"),
        ("email", {**EMAIL, "FromAddress": "not-an-address"}, "EmailChannelRequest.FromAddress"),
        ("email", {**EMAIL, "RoleArn": "role"}, "EmailChannelRequest.RoleArn"),
        ("email", {**EMAIL, "Enabled": "yes"}, "EmailChannelRequest.Enabled"),
        ("sms", {"Colour": "red"}, "SMSChannelRequest.Colour"),
        ("apns", {**APNS_TOKEN, "TeamId": ""}, "APNSChannelRequest.TeamId"),
        ("apns", {"Certificate": "cert"}, "APNSChannelRequest.PrivateKey"),
        ("apns", {"Enabled": True}, "APNSChannelRequest"),  # a new push channel needs credentials
        (
            "gcm",
            {"ApiKey": "k", "DefaultAuthenticationMethod": "CERTIFICATE"},
            "GCMChannelRequest.DefaultAuthenticationMethod",
        ),
        ("baidu", {"ApiKey": "k"}, "BaiduChannelRequest.SecretKey"),
    ],
)
def test_a_request_pinpoint_refused_is_refused_with_the_member_named(path, request_body, field):
    with pytest.raises(ValidationError) as refused:
        updated_channel(KINDS[path], None, request_body, "2026-12-07T00:00:00Z", "ana")
    assert refused.value.field == field


def test_push_credentials_go_to_the_push_project_and_leave_it_with_the_last_application():
    push = PushProject()
    apps, first, second = service(push)
    apps.update_channel(first, "gcm", {"ApiKey": "fcm-key"}, "ana")
    assert push.channels == {"GCM": {"ApiKey": "fcm-key"}}
    apps.update_channel(first, "gcm", {"Enabled": False}, "ana")  # credentials kept by the project
    assert apps.channel(first, "gcm")["HasCredential"] is True
    apps.update_channel(second, "gcm", {"ApiKey": "fcm-key"}, "ana")
    apps.delete_channel(first, "gcm")
    assert "GCM" in push.channels, "the other application still sends with them"
    apps.delete_channel(second, "gcm")
    assert push.channels == {}
    with pytest.raises(NotFoundError):
        apps.channel(second, "gcm")


def test_a_stack_without_a_push_project_refuses_push_channels():
    apps, app, _ = service(push=None)
    with pytest.raises(ValidationError, match="PushProjectId"):
        apps.update_channel(app, "gcm", {"ApiKey": "fcm-key"}, "ana")


def test_an_unknown_channel_is_not_found():
    apps, app, _ = service()
    with pytest.raises(NotFoundError):
        apps.channel(app, "fax")


def test_the_switch_a_send_checks_reads_the_channels_again_after_its_ttl(monkeypatch):
    apps, app, _ = service()
    now = [1000.0]
    monkeypatch.setattr("engage.clock.time", lambda: now[0])
    switches = ChannelSwitches(apps, ttl_seconds=5)
    assert switches.disabled(app, "EMAIL") is False  # never configured: the stack's own channel
    apps.update_channel(app, "email", {**EMAIL, "Enabled": False}, "ana")
    assert switches.disabled(app, "EMAIL") is False, "remembered for its TTL"
    now[0] += 5
    assert switches.disabled(app, "EMAIL") is True and switches.disabled(app, "SMS") is False
    assert switches.disabled("f" * 32, "EMAIL") is False  # an unknown application: judged elsewhere


def test_the_push_project_adapter_calls_the_surviving_channel_operations():
    import boto3

    client = boto3.client("pinpoint", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "update_apns_voip_channel",
            {"APNSVoipChannelResponse": {"Platform": "APNS_VOIP"}},
            {
                "ApplicationId": "push-project",
                "APNSVoipChannelRequest": {"Certificate": "c", "PrivateKey": "k"},
            },
        )
        stub.add_client_error("delete_gcm_channel", "NotFoundException", http_status_code=404)
        stub.add_client_error("update_baidu_channel", "BadRequestException", "bad key", 400)
        channels = PinpointPushChannels(client, "push-project")
        channels.update("APNS_VOIP", {"Certificate": "c", "PrivateKey": "k"})
        channels.delete("GCM")  # already gone: nothing to do
        with pytest.raises(ValidationError, match="bad key"):
            channels.update("BAIDU", {"ApiKey": "a", "SecretKey": "s"})
        stub.assert_no_pending_responses()
