"""The push project's channels through the surviving Pinpoint channel operations: an application's
UpdateApnsChannel (and the sandbox, VoIP, GCM, ADM and Baidu ones) hands its credentials to the
project that delivers push, which keeps them encrypted; our own record keeps none."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.errors import ValidationError

# Platform -> (botocore's operation suffix, request member)
OPERATIONS = {
    "APNS": ("apns_channel", "APNSChannelRequest"),
    "APNS_SANDBOX": ("apns_sandbox_channel", "APNSSandboxChannelRequest"),
    "APNS_VOIP": ("apns_voip_channel", "APNSVoipChannelRequest"),
    "APNS_VOIP_SANDBOX": ("apns_voip_sandbox_channel", "APNSVoipSandboxChannelRequest"),
    "GCM": ("gcm_channel", "GCMChannelRequest"),
    "ADM": ("adm_channel", "ADMChannelRequest"),
    "BAIDU": ("baidu_channel", "BaiduChannelRequest"),
}


class PinpointPushChannels:
    def __init__(self, client: Any, project_id: str) -> None:  # boto3 pinpoint
        self.client = client
        self.project_id = project_id

    def update(self, platform: str, request: dict[str, Any]) -> None:
        operation, member = OPERATIONS[platform]
        try:
            getattr(self.client, f"update_{operation}")(ApplicationId=self.project_id, **{member: request})
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "BadRequestException":
                # The push service judged the credentials: the caller's error, with its reason.
                raise ValidationError(member, exc.response["Error"].get("Message", "refused")) from None
            raise

    def delete(self, platform: str) -> None:
        operation, _member = OPERATIONS[platform]
        try:
            getattr(self.client, f"delete_{operation}")(ApplicationId=self.project_id)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NotFoundException":  # already gone
                raise
