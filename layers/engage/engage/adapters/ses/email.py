"""Email through SES v2 as raw content: the MIME bytes built by engage.sending.mime go out as they
are (and are archived as they are), with the application's configuration set and tags naming the
campaign and endpoint for event publishing."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from engage.adapters.dynamodb import error_code
from engage.errors import DeliveryRefusedError, HeldError, ThrottledError
from engage.retry import THROTTLING_CODES, TRANSIENT_CODES
from engage.sending.governor import Limits, ses_limits

_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_\-.@]")
# "The account's ability to send email is currently paused" (botocore's sesv2 model): it resumes
# when the account or configuration set is re-enabled, so the message waits.
PAUSED_CODES = frozenset({"SendingPausedException"})
PAUSED_RETRY_SECONDS = 900.0


def tag_value(value: str) -> str:
    """SES tag names and values allow letters, digits, _ - . @ and at most 256 characters."""
    return (_TAG_UNSAFE.sub("_", value) or "_")[:256]


class SesEmailSender:
    def __init__(self, client: Any, configuration_set: str | None = None) -> None:  # boto3 sesv2
        self.client = client
        self.configuration_set = configuration_set

    def send(self, raw: bytes, sender: str, recipient: str, tags: Mapping[str, str] | None = None) -> str:
        """Sends one message; returns SES's MessageId. Raises ThrottledError when SES asks to slow
        down (or fails transiently), DeliveryRefusedError when it refuses the message for good."""
        request: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": tag_value(k), "Value": tag_value(v)} for k, v in (tags or {}).items()],
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            return self.client.send_email(**request)["MessageId"]
        except ParamValidationError as exc:  # refused by botocore before anything was sent
            raise DeliveryRefusedError("INVALID_REQUEST", str(exc)) from exc
        except ClientError as exc:
            code = error_code(exc)
            if code in THROTTLING_CODES or code in TRANSIENT_CODES:
                raise ThrottledError(f"SendEmail: {code}") from exc
            if code in PAUSED_CODES:  # the account or configuration set is paused: wait, then try again
                message = exc.response.get("Error", {}).get("Message", "")
                raise HeldError(f"SendEmail: {code}: {message}", PAUSED_RETRY_SECONDS, paused=True) from exc
            raise DeliveryRefusedError(code, exc.response.get("Error", {}).get("Message", "")) from exc


class SesAccountList:
    """The SES account-level suppression list (PutSuppressedDestination is idempotent)."""

    def __init__(self, client: Any) -> None:  # boto3 sesv2
        self.client = client

    def suppress(self, address: str, reason: str) -> None:
        self.client.put_suppressed_destination(EmailAddress=address, Reason=reason)


def account_limits(client: Any) -> Limits:
    """The SES account's sending limits now (GetAccount), for the governor."""
    account = client.get_account()
    return ses_limits(account["SendQuota"], bool(account.get("SendingEnabled", True)))


class SesQuota:
    """The account's limits, read again after `max_age` seconds (what is left of the daily quota
    shrinks as every sender sends)."""

    def __init__(self, client: Any, max_age: float = 60.0, clock: Any = time.monotonic) -> None:
        self.client = client
        self.max_age = max_age
        self.clock = clock
        self._read_at: float | None = None
        self._limits: Limits | None = None

    def limits(self) -> Limits:
        now = self.clock()
        if self._limits is None or self._read_at is None or now - self._read_at > self.max_age:
            self._limits, self._read_at = account_limits(self.client), now
        return self._limits
