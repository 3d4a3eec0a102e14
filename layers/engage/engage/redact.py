"""Masks email addresses and phone numbers so that they never reach logs in clear.

A regular expression pass rather than `phonenumbers.PhoneNumberMatcher`: log lines have no region
to parse national numbers against, and this runs on every log line. It errs towards masking:
a long digit run that is not a phone number (a millisecond timestamp inside a message) is masked
too, which costs nothing but a little readability.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)")
# +<country code> numbers with common separators; national numbers in NANP layout; bare runs of 10
# or 11 digits (North American numbers written without the plus). Longer bare runs are ids (AWS
# account and shard ids have 12 digits), left alone. Lookarounds keep ids such as "ep-1234567890abc".
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\(?\d[\d\s().-]{5,20}\d"
    r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}"
    r"|\d{10,11}"
    r")(?![\w])"
)

# Fields Powertools writes itself: never personal data, and timestamps must stay readable.
_TRUSTED_KEYS = frozenset(
    {
        "level",
        "location",
        "timestamp",
        "service",
        "sampling_rate",
        "xray_trace_id",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "correlation_id",
    }
)


def mask_email(address: str) -> str:
    """`jane.doe@example.com` -> `j***@***.com`: enough to tell two addresses apart in a log."""
    local, _, domain = address.partition("@")
    tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{local[:1]}***@***.{tld}" if tld else f"{local[:1]}***@***"


def mask_phone(number: str) -> str:
    """`+14255550100` -> `+*********00`: keeps the last two digits only."""
    digits = [c for c in number if c.isdigit()]
    prefix = "+" if number.strip().startswith("+") else ""
    return prefix + "*" * max(len(digits) - 2, 0) + "".join(digits[-2:])


def redact(text: str) -> str:
    """Masks every email address and phone number found in free text."""
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def redact_value(value: Any) -> Any:
    """Masks personal data in every string of a JSON-able value, keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(k)): redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact_value(v) for v in value]
    return value


def redact_log(record: Mapping[str, Any]) -> dict[str, Any]:
    """Masks a structured log record, leaving the fields Powertools itself writes untouched."""
    return {k: v if k in _TRUSTED_KEYS else redact_value(v) for k, v in record.items()}
