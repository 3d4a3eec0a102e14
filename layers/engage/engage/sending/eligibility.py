"""Whether a message may go to an endpoint, checked before every send, with the reason when not:
the endpoint must be active and not opted out (Pinpoint's EndpointStatus and OptOut), the address
must not be opted out in the consent store, nor suppressed for the application (hard bounces,
complaints, repeated soft bounces, erasure, operators).

Transactional messages (a one-time password, a receipt) follow a policy for opt-outs: by default
they are held back like promotions, the narrowest reading of a revocation of consent; an
application may allow them. Suppression always applies: an address that bounced or complained is
not written to again, whatever the message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage.consent import ConsentRecord, ConsentStatus
from engage.suppression import Suppression


class ConsentReader(Protocol):
    def get(self, app_id: str, channel: str, address: str) -> ConsentRecord | None: ...


class SuppressionReader(Protocol):
    def get(self, app_id: str, channel: str, address: str) -> list[Suppression]: ...


@dataclass(frozen=True)
class Skip:
    reason: str  # INACTIVE_ENDPOINT, NO_ADDRESS, OPTED_OUT, SUPPRESSED_<reason>
    detail: str


def skip_reason(
    app_id: str,
    endpoint: Mapping[str, Any],
    consent: ConsentReader,
    suppressions: SuppressionReader,
    transactional: bool = False,
    transactional_after_opt_out: bool = False,
    confirms_opt_out: bool = False,
) -> Skip | None:
    """None when the message may be sent; otherwise why not. `confirms_opt_out`: the message is
    the one confirmation of the recipient's own opt-out, which goes to the opted-out address."""
    if endpoint.get("EndpointStatus", "ACTIVE") != "ACTIVE":
        return Skip("INACTIVE_ENDPOINT", "the endpoint is INACTIVE")
    address, channel = endpoint.get("Address"), endpoint.get("ChannelType")
    if not address or not channel:
        return Skip("NO_ADDRESS", "the endpoint has no address to send to")
    found = suppressions.get(app_id, channel, address)
    if found:
        first = sorted(found, key=lambda s: s.suppressed_at)[0]
        return Skip(
            f"SUPPRESSED_{first.reason.value}", f"suppressed since {first.suppressed_at} ({first.source})"
        )
    may_ignore_opt_out = (transactional and transactional_after_opt_out) or confirms_opt_out
    if endpoint.get("OptOut", "NONE") == "ALL" and not may_ignore_opt_out:
        return Skip("OPTED_OUT", "the endpoint is opted out (OptOut ALL)")
    decision = consent.get(app_id, channel, address)
    if decision is not None and decision.status == ConsentStatus.OPTED_OUT and not may_ignore_opt_out:
        return Skip("OPTED_OUT", f"opted out on {decision.recorded_at} ({decision.source})")
    return None
