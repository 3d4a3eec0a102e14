"""Amazon Connect's StartOutboundVoiceContact, with its errors sorted: throttling and transient
codes raise ThrottledError (the channel retries with backoff), a refusal of the number raises
DeliveryRefusedError (that call is reported failed, the batch goes on), any other error Connect
answers (a missing instance or flow, access denied) NotSentError: Connect answered, so no call was
placed. Only a call that got no answer (a timeout) is left in doubt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code
from engage.errors import DeliveryRefusedError, NotSentError, ThrottledError
from engage.retry import THROTTLING_CODES, TRANSIENT_CODES

REFUSED_NUMBER_CODES = frozenset({"DestinationNotAllowedException", "OutboundContactNotPermittedException"})


class ConnectCalls:
    def __init__(self, client: Any) -> None:  # a boto3 Connect client, without botocore's retries
        self.client = client

    def start_call(self, request: Mapping[str, Any]) -> str:
        try:
            return self.client.start_outbound_voice_contact(**request)["ContactId"]
        except ClientError as exc:
            code = error_code(exc)
            if code in THROTTLING_CODES or code in TRANSIENT_CODES or code == "LimitExceededException":
                raise ThrottledError(f"StartOutboundVoiceContact: {code}") from exc
            if code in REFUSED_NUMBER_CODES:
                raise DeliveryRefusedError(code, exc.response.get("Error", {}).get("Message", "")) from exc
            raise NotSentError(f"StartOutboundVoiceContact: {code}") from exc
