"""Endpoints as the console's roles see them: the masked role (IAM refuses it Pinpoint's endpoint
reads) reads them through the API's masked routes, with their addresses masked; the search by
address (the full role's) looks an address up in the channels it can belong to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage.redact import mask_email, mask_phone


def with_address_masked(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The endpoint as someone who may not see addresses sees it (the console's masked role): an
    email address or phone number masked as the logs mask them, any other address (a device token)
    cut to its first four characters."""
    shown = dict(endpoint)
    address = shown.get("Address")
    if isinstance(address, str) and address:
        channel = str(shown.get("ChannelType", ""))
        if channel == "EMAIL":
            shown["Address"] = mask_email(address)
        elif channel in ("SMS", "VOICE"):
            shown["Address"] = mask_phone(address)
        else:
            shown["Address"] = address[:4] + "***"
    return shown


def address_channels(address: str) -> tuple[str, ...]:
    """The channels an address searched for alone can belong to: an email address's, or a phone
    number's two."""
    return ("EMAIL",) if "@" in address else ("SMS", "VOICE")
