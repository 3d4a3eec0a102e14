"""SMS and voice through AWS End User Messaging SMS and Voice v2 (`SendTextMessage`,
`SendVoiceMessage`): an origination identity or pool, the message type, the application's
configuration set, and a context carried into the delivery events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from engage.adapters.dynamodb import error_code
from engage.errors import DeliveryRefusedError, ThrottledError
from engage.retry import THROTTLING_CODES, TRANSIENT_CODES

MESSAGE_TYPES = ("TRANSACTIONAL", "PROMOTIONAL")


@dataclass(frozen=True)
class SmsSettings:
    """An application's sending identity on End User Messaging."""

    origination_identity: str | None = None  # a phone number, its id or ARN, a sender id, or a pool
    configuration_set: str | None = None


class SmsVoiceSender:
    def __init__(self, client: Any, settings: SmsSettings) -> None:  # boto3 pinpoint-sms-voice-v2
        self.client = client
        self.settings = settings

    def send_text(
        self,
        destination: str,
        body: str,
        message_type: str = "TRANSACTIONAL",
        context: Mapping[str, str] | None = None,
        origination: str | None = None,
    ) -> str:
        if message_type not in MESSAGE_TYPES:
            raise DeliveryRefusedError("INVALID_MESSAGE_TYPE", f"message type must be one of {MESSAGE_TYPES}")
        request = {**self._common(destination, body, context, origination), "MessageType": message_type}
        return self._call("send_text_message", request)

    def send_voice(
        self,
        destination: str,
        body: str,
        voice_id: str | None = None,
        ssml: bool = False,
        context: Mapping[str, str] | None = None,
        origination: str | None = None,
    ) -> str:
        if not (origination or self.settings.origination_identity):
            raise DeliveryRefusedError(
                "NO_ORIGINATION_IDENTITY", "a voice message needs an origination phone number or pool"
            )
        request = {
            **self._common(destination, body, context, origination),
            "MessageBodyTextType": "SSML" if ssml else "TEXT",
        }
        if voice_id:
            request["VoiceId"] = voice_id
        return self._call("send_voice_message", request)

    def _common(
        self, destination: str, body: str, context: Mapping[str, str] | None, origination: str | None
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"DestinationPhoneNumber": destination, "MessageBody": body}
        if origination or self.settings.origination_identity:
            request["OriginationIdentity"] = origination or self.settings.origination_identity
        if self.settings.configuration_set:
            request["ConfigurationSetName"] = self.settings.configuration_set
        if context:
            request["Context"] = dict(context)
        return request

    def _call(self, operation: str, request: dict[str, Any]) -> str:
        """The MessageId. ThrottledError when the service asks to slow down or fails transiently;
        DeliveryRefusedError when it refuses this message for good (an opted-out number is
        `DESTINATION_PHONE_NUMBER_OPTED_OUT`)."""
        try:
            return getattr(self.client, operation)(**request)["MessageId"]
        except ParamValidationError as exc:  # refused by botocore before anything was sent
            raise DeliveryRefusedError("INVALID_REQUEST", str(exc)) from exc
        except ClientError as exc:
            code = error_code(exc)
            if code in THROTTLING_CODES or code in TRANSIENT_CODES or code == "InternalServerException":
                raise ThrottledError(f"{operation}: {code}") from exc
            reason = exc.response.get("Reason") or exc.response.get("Error", {}).get("Reason")
            raise DeliveryRefusedError(
                reason or code, exc.response.get("Error", {}).get("Message", "")
            ) from exc
