"""Custom channels, as Pinpoint's custom delivery: a batch of endpoints handed to a Lambda function
(invoked with Pinpoint's payload) or POSTed to an HTTPS webhook, signed (https only).

A webhook request carries `X-Engage-Delivery` (the same id whenever the same batch is delivered
again, so the receiver can drop a repeat) and `X-Engage-Signature: t=<unix time>,v1=<hex HMAC-SHA256
of "<t>.<body>">` under the current webhook key (receivers accept the previous key too while keys
rotate). A 2xx answer delivers; 429 and 5xx ask for the batch again later; any other status refuses
it; no answer (a timeout) leaves it in doubt. A function's result, or a 2xx answer's JSON body, may
say what became of each endpoint (engage.sending.custom_answers). The standard library's urllib
makes the request: one POST does not justify another dependency in the layer."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from engage import clock
from engage.adapters.dynamodb import error_code
from engage.addresses import local_http
from engage.errors import DeliveryRefusedError, ThrottledError
from engage.retry import THROTTLING_CODES, TRANSIENT_CODES
from engage.sending.custom_answers import Delivery

TIMEOUT_SECONDS = 10.0


def is_webhook(uri: str) -> bool:
    """A URL (any scheme: only https is then called) rather than a function name or ARN."""
    return "://" in uri


def signature(key: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


CUSTOM_CHANNEL_WAIT_SECONDS = 60  # longer than a custom channel function's timeout (30 s)


class CustomDelivery:
    def __init__(
        self,
        lambda_client: Any,
        webhook_keys: Callable[[], Sequence[bytes]],
        opener: Callable[..., Any] = urllib.request.urlopen,
        clock: Callable[[], float] = clock.time,
        allow_local_http: bool = False,
    ) -> None:
        self.lambda_client = lambda_client
        self.webhook_keys = webhook_keys
        self.opener = opener
        self.clock = clock
        # Plain http to this machine only for the local stack's tests: in Lambda, localhost is the
        # Runtime API, which a campaign's DeliveryUri must never reach.
        self.allow_local_http = allow_local_http

    def deliver(self, uri: str, payload: Mapping[str, Any], delivery_id: str) -> Delivery:
        """Hands one batch over: the delivery's id (Lambda's request id, or ours) and its answer."""
        return self._post(uri, payload, delivery_id) if is_webhook(uri) else self._invoke(uri, payload)

    def _invoke(self, function: str, payload: Mapping[str, Any]) -> Delivery:
        try:
            response = self.lambda_client.invoke(FunctionName=function, Payload=json.dumps(payload).encode())
        except ClientError as exc:
            code = error_code(exc)
            if code in THROTTLING_CODES or code in TRANSIENT_CODES or code == "TooManyRequestsException":
                raise ThrottledError(f"Invoke: {code}") from exc
            raise DeliveryRefusedError(code, exc.response.get("Error", {}).get("Message", "")) from exc
        if response.get("FunctionError"):
            # The function ran and failed: some endpoints may have been delivered. Left in doubt.
            raise RuntimeError(f"the custom channel function failed ({response['FunctionError']})")
        request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
        return Delivery(request_id, _json(response["Payload"].read() if response.get("Payload") else b""))

    def _post(self, url: str, payload: Mapping[str, Any], delivery_id: str) -> Delivery:
        parts = urlsplit(url)
        local = local_http(parts, self.allow_local_http)
        if parts.scheme != "https" and not local:
            raise DeliveryRefusedError("INSECURE_WEBHOOK", "a webhook must be an https:// URL")
        keys = self.webhook_keys()
        if not keys:
            raise DeliveryRefusedError("NO_WEBHOOK_KEY", "no webhook signing key is configured")
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above (https)
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "engage-custom-delivery",
                "X-Engage-Delivery": delivery_id,
                "X-Engage-Signature": signature(keys[0], int(self.clock()), body),
            },
        )
        try:
            with self.opener(request, timeout=TIMEOUT_SECONDS) as response:
                answer = _json(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                raise ThrottledError(f"webhook answered {exc.code}") from exc
            raise DeliveryRefusedError(f"HTTP_{exc.code}", exc.reason or "") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ConnectionRefusedError):  # nothing was received
                raise ThrottledError(f"webhook unreachable: {exc.reason}") from exc
            raise
        return Delivery(delivery_id, answer)


def _json(body: bytes) -> Any:
    """The answer's JSON; None for an empty or unreadable one (the batch was still handed over)."""
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
