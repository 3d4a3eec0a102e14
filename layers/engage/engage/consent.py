"""Consent: the latest opt-in or opt-out of one address on one channel of one application, with
where it came from, and the trail of every change. Keyed by (application, channel, address), so
revoking consent with one brand does not silence another."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from engage.addresses import ChannelType, address_key, check_address, parse_channel
from engage.contacts.model import check_app_id, now_iso
from engage.errors import ValidationError


class ConsentStatus(StrEnum):
    OPTED_IN = "OPTED_IN"
    OPTED_OUT = "OPTED_OUT"


@dataclass(frozen=True)
class ConsentRecord:
    app_id: str
    channel: ChannelType
    address: str
    status: ConsentStatus
    source: str  # what decided it: "sms-keyword", "one-click-unsubscribe", "import", "cdc", ...
    recorded_at: str  # ISO 8601, when the customer expressed it (not when we stored it)
    source_message_id: str | None = None

    @property
    def key(self) -> str:
        return address_key(self.channel, self.address)


def consent_record(
    app_id: str,
    channel: ChannelType | str,
    address: str,
    status: ConsentStatus | str,
    source: str,
    recorded_at: str | None = None,
    source_message_id: str | None = None,
) -> ConsentRecord:
    """Builds a checked record: known channel, well-formed address, known status, a named source."""
    channel = parse_channel(channel)
    try:
        status = ConsentStatus(status)
    except ValueError:
        raise ValidationError("status", f"must be one of {', '.join(ConsentStatus)}") from None
    if not source or not source.strip():
        raise ValidationError("source", "say where the consent decision came from")
    return ConsentRecord(
        check_app_id(app_id),
        channel,
        check_address(channel, address),
        status,
        source.strip(),
        recorded_at or now_iso(),
        source_message_id,
    )


class ConsentStore(Protocol):
    def record(self, record: ConsentRecord) -> bool:
        """Stores the decision unless a newer one is already stored (returns whether it applied);
        the trail keeps every decision either way. Replaying the same decision changes nothing."""
        ...

    def get(self, app_id: str, channel: ChannelType | str, address: str) -> ConsentRecord | None: ...

    def history(self, app_id: str, channel: ChannelType | str, address: str) -> list[ConsentRecord]: ...
