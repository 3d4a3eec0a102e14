"""Push notifications through the surviving Pinpoint `SendMessages`, to device tokens (`Addresses`)
only: the push project (a Pinpoint app holding the APNs, FCM, Baidu and ADM credentials) is a
setting, not our application id. Each address's DeliveryStatus decides: SUCCESSFUL sends,
THROTTLED and TEMPORARY_FAILURE may be sent again, anything else refuses the message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from engage.adapters.channel_errors import channel_error
from engage.addresses import PUSH_MESSAGES
from engage.errors import DeliveryRefusedError, ThrottledError

RETRYABLE = ("THROTTLED", "TEMPORARY_FAILURE")


class PinpointPushSender:
    def __init__(self, client: Any, project_id: str | None) -> None:  # boto3 pinpoint
        self.client = client
        self.project_id = project_id

    def send_push(
        self, channel: str, token: str, message: Mapping[str, str], context: Mapping[str, str] | None = None
    ) -> str:
        """Sends one notification (Title, Body, Action, Url, ImageUrl) to one device token."""
        if not self.project_id:
            raise DeliveryRefusedError("NO_PUSH_PROJECT", "no push project is configured (PushProjectId)")
        if channel not in PUSH_MESSAGES:
            raise DeliveryRefusedError("NOT_A_PUSH_CHANNEL", f"{channel} is not a push channel")
        fields = {
            k: v for k, v in message.items() if k in ("Title", "Body", "Action", "Url", "ImageUrl") and v
        }
        if PUSH_MESSAGES[channel] == "APNSMessage" and "ImageUrl" in fields:
            fields["MediaUrl"] = fields.pop("ImageUrl")  # APNs calls the image MediaUrl
        request = {
            "Addresses": {token: {"ChannelType": channel}},
            "Context": dict(context or {}),
            "MessageConfiguration": {PUSH_MESSAGES[channel]: fields},
        }
        try:
            response = self.client.send_messages(ApplicationId=self.project_id, MessageRequest=request)
        except ParamValidationError as exc:
            raise DeliveryRefusedError("INVALID_REQUEST", str(exc)) from exc
        except ClientError as exc:
            raise channel_error(exc, "SendMessages", {"TooManyRequestsException"}) from exc
        result = response["MessageResponse"]["Result"][token]
        status = result.get("DeliveryStatus")
        if status == "SUCCESSFUL":
            return result.get("MessageId") or response["MessageResponse"].get("RequestId", "")
        if status in RETRYABLE:
            raise ThrottledError(f"SendMessages: {status} {result.get('StatusMessage', '')}")
        raise DeliveryRefusedError(status or "UNKNOWN_FAILURE", result.get("StatusMessage", ""))
