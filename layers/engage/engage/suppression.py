"""Suppression: addresses an application must not send to, why, and on whose evidence (a bounce or
complaint feedback id, an operator, an erasure). Keyed by (application, address): a complaint to
one brand does not silence another. Every sender checks it before every send."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from engage.addresses import ChannelType, address_key, check_address, parse_channel
from engage.contacts.model import check_app_id, now_iso
from engage.errors import ValidationError


class SuppressionReason(StrEnum):
    HARD_BOUNCE = "HARD_BOUNCE"
    SOFT_BOUNCES = "SOFT_BOUNCES"  # repeated transient bounces within a window
    COMPLAINT = "COMPLAINT"
    MANUAL = "MANUAL"
    ERASED = "ERASED"


@dataclass(frozen=True)
class Suppression:
    app_id: str
    channel: ChannelType
    address: str
    reason: SuppressionReason
    source: str  # "ses-feedback", "stream", "operator", ...
    suppressed_at: str
    feedback_id: str | None = None

    @property
    def key(self) -> str:
        return address_key(self.channel, self.address)


def suppression(
    app_id: str,
    channel: ChannelType | str,
    address: str,
    reason: SuppressionReason | str,
    source: str,
    feedback_id: str | None = None,
    suppressed_at: str | None = None,
) -> Suppression:
    channel = parse_channel(channel)
    try:
        reason = SuppressionReason(reason)
    except ValueError:
        raise ValidationError("reason", f"must be one of {', '.join(SuppressionReason)}") from None
    if not source or not source.strip():
        raise ValidationError("source", "say where the suppression came from")
    return Suppression(
        check_app_id(app_id),
        channel,
        check_address(channel, address),
        reason,
        source.strip(),
        suppressed_at or now_iso(),
        feedback_id,
    )


def erased_digest(secret: bytes, channel: ChannelType | str, address: str) -> str:
    """What is kept of an erased address: a keyed hash of its normalised form (HMAC-SHA256 under a
    secret kept outside the table), so the address stays suppressed if it comes back, yet the table
    alone can't be searched for it, not even by hashing a list of candidate addresses."""
    normalised = f"{parse_channel(channel).value}:{address_key(parse_channel(channel), address)}"
    return hmac.new(secret, normalised.encode(), hashlib.sha256).hexdigest()


class SuppressionList(Protocol):
    def suppress(self, entry: Suppression) -> None:
        """Idempotent: the same (address, reason) stored again keeps one entry."""
        ...

    def get(self, app_id: str, channel: ChannelType | str, address: str) -> list[Suppression]:
        """Every reason the address is suppressed for; empty when it may be sent to."""
        ...

    def remove(
        self, app_id: str, channel: ChannelType | str, address: str, reason: SuppressionReason | None = None
    ) -> int: ...

    def list(self, app_id: str) -> Iterator[Suppression]: ...
