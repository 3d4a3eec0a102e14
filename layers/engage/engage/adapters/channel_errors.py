"""A channel's error answer sorted as the send path needs it: throttling and transient codes (and
the channel's own names for them) may be tried again; any other answer refused this message."""

from __future__ import annotations

from collections.abc import Collection

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code
from engage.errors import DeliveryRefusedError, ThrottledError
from engage.retry import THROTTLING_CODES, TRANSIENT_CODES


def channel_error(
    exc: ClientError, operation: str, retryable: Collection[str] = ()
) -> ThrottledError | DeliveryRefusedError:
    code = error_code(exc)
    if code in THROTTLING_CODES or code in TRANSIENT_CODES or code in retryable:
        return ThrottledError(f"{operation}: {code}")
    return DeliveryRefusedError(code, exc.response.get("Error", {}).get("Message", ""))
