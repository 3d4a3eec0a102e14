"""Channel addresses: what each channel accepts as an address (syntax only: real validation of
phone numbers is its own workflow) and the normalised key under which an address is looked up,
consented and suppressed. Emails compare case-insensitively; phone numbers ignore formatting."""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import SplitResult

from engage.errors import ValidationError


class ChannelType(StrEnum):
    PUSH = "PUSH"
    GCM = "GCM"
    APNS = "APNS"
    APNS_SANDBOX = "APNS_SANDBOX"
    APNS_VOIP = "APNS_VOIP"
    APNS_VOIP_SANDBOX = "APNS_VOIP_SANDBOX"
    ADM = "ADM"
    BAIDU = "BAIDU"
    SMS = "SMS"
    VOICE = "VOICE"
    EMAIL = "EMAIL"
    CUSTOM = "CUSTOM"
    IN_APP = "IN_APP"


# Device-token channels. Pinpoint lets a user's 16th endpoint on one of these evict the oldest
# (its guide lists ADM, GCM, APNS, APNS_VOIP, APNS_VOIP_SANDBOX and BAIDU; APNS_SANDBOX is the
# same kind of device token, so it is treated alike).
PUSH_CHANNELS = frozenset(
    {
        ChannelType.GCM,
        ChannelType.APNS,
        ChannelType.APNS_SANDBOX,
        ChannelType.APNS_VOIP,
        ChannelType.APNS_VOIP_SANDBOX,
        ChannelType.ADM,
        ChannelType.BAIDU,
    }
)
PHONE_CHANNELS = frozenset({ChannelType.SMS, ChannelType.VOICE})

# The WHATWG "valid e-mail address" grammar: what browsers accept in <input type=email>.
_EMAIL_GRAMMAR = (
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_EMAIL = re.compile(f"^{_EMAIL_GRAMMAR}$")
_PHONE_CHARS = re.compile(r"^\(?\+?[0-9 ().\-]+$")  # "(+351) 282 43 50 50" too
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15  # E.164 allows at most 15 digits
MAX_EMAIL_LENGTH = 254
# _PHONE_CHARS' grammar with its digits counted: what valid_address accepts, in one match.
_PHONE_GRAMMAR = rf"\(?\+?[ ().\-]*(?:[0-9][ ().\-]*){{{MIN_PHONE_DIGITS},{MAX_PHONE_DIGITS}}}"
_PHONE_VALID = re.compile(_PHONE_GRAMMAR)
MAX_TOKEN_LENGTH = 4096


def _lines_of(grammar: str) -> re.Pattern[str]:
    """`grammar` matched by every line of a text: many addresses checked in one match of them joined
    by newlines, which neither grammar allows."""
    return re.compile(rf"(?:{grammar}\n)*{grammar}")


_EMAILS, _PHONES = _lines_of(_EMAIL_GRAMMAR), _lines_of(_PHONE_GRAMMAR)


# The push platforms an endpoint can be on (sent through the surviving Pinpoint SendMessages).
# Each with the message of Pinpoint's MessageConfiguration that carries a notification to it.
PUSH_MESSAGES = {
    "GCM": "GCMMessage",
    "APNS": "APNSMessage",
    "APNS_SANDBOX": "APNSMessage",
    "APNS_VOIP": "APNSMessage",
    "APNS_VOIP_SANDBOX": "APNSMessage",
    "ADM": "ADMMessage",
    "BAIDU": "BaiduMessage",
}
PUSH_CHANNELS = frozenset(PUSH_MESSAGES)


def parse_channel(value: object, field: str = "ChannelType") -> ChannelType:
    try:
        return ChannelType(str(value).strip().upper())
    except ValueError:
        raise ValidationError(
            field,
            f"unknown channel type {str(value)[:40]!r}; expected one of "
            f"{', '.join(c.value for c in ChannelType)}",
        ) from None


def check_address(channel: ChannelType, address: object, field: str = "Address") -> str:
    """Returns the address stripped of surrounding blanks, or raises naming what is wrong with it."""
    if not isinstance(address, str) or not address.strip():
        raise ValidationError(field, f"an address is required for channel {channel}")
    address = address.strip()
    if channel is ChannelType.EMAIL:
        if len(address) > MAX_EMAIL_LENGTH or not _EMAIL.match(address):
            raise ValidationError(field, "is not a syntactically valid email address")
    elif channel in PHONE_CHANNELS:
        digits = sum(map(str.isdigit, address))
        if not _PHONE_CHARS.match(address) or address.count("+") > 1:
            raise ValidationError(
                field, "a phone number may hold only digits, one leading +, spaces, (, ), . and -"
            )
        if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
            raise ValidationError(
                field,
                f"a phone number has {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits, this one has {digits}",
            )
    elif len(address) > MAX_TOKEN_LENGTH or any(c.isspace() for c in address):
        raise ValidationError(
            field, f"a {channel} address is one token without blanks, at most {MAX_TOKEN_LENGTH} chars"
        )
    return address


def valid_address(channel: ChannelType, address: str) -> bool:
    """Whether a stripped, non-empty address passes `check_address`, without building its error:
    the fast answer for many addresses at once (check_address says why one fails)."""
    if channel is ChannelType.EMAIL:
        return len(address) <= MAX_EMAIL_LENGTH and _EMAIL.match(address) is not None
    if channel in PHONE_CHANNELS:
        return _PHONE_VALID.fullmatch(address) is not None
    return len(address) <= MAX_TOKEN_LENGTH and len(address.split()) == 1


def valid_addresses(channel: ChannelType | None, addresses: list[str]) -> bool:
    """Whether every one of many stripped, non-empty addresses of one channel passes `check_address`,
    judged with C-level passes over them all (None: addresses without a channel, which never do)."""
    if not addresses:
        return True
    if channel is None:
        return False
    if channel is ChannelType.EMAIL or channel in PHONE_CHANNELS:
        joined = "\n".join(addresses)
        if joined.count("\n") != len(addresses) - 1:  # an address with a newline of its own
            return False
        if channel is ChannelType.EMAIL:
            return max(map(len, addresses)) <= MAX_EMAIL_LENGTH and _EMAILS.fullmatch(joined) is not None
        return _PHONES.fullmatch(joined) is not None
    return all(valid_address(channel, a) for a in addresses)


def address_key(channel: ChannelType | str, address: str) -> str:
    """The normalised form two spellings of one address share: lower-cased email, phone digits
    (with the leading + kept), other tokens as they are."""
    channel = ChannelType(channel)
    address = address.strip()
    if channel is ChannelType.EMAIL:
        return address.lower()
    if channel in PHONE_CHANNELS:
        digits = "".join(c for c in address if c.isdigit())
        return ("+" if address.lstrip("( ").startswith("+") else "") + digits
    return address


# Plain http:// is refused everywhere but on the local stack, where a test's own server on the
# loopback interface stands in for an https endpoint (the ALLOW_LOCAL_* switches, off by default).
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def local_http(parts: SplitResult, allowed: bool) -> bool:
    """Whether `parts` is a plain http:// URL on this machine that the switch lets through."""
    return allowed and parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
