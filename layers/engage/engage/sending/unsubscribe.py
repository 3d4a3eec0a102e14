"""One-click unsubscribe (RFC 8058, which Gmail and Yahoo require of bulk senders): the token a
message carries (an HMAC over application, endpoint and campaign, so nobody can unsubscribe someone
else by editing a link), and the List-Unsubscribe headers that carry it.

Tokens are signed with the first of the active secrets and accepted under any of them, so a secret
rotates without breaking links already in inboxes. They do not expire unless asked to: a promotional
email may be opened months after it was sent, and its unsubscribe link must still work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from engage import signed_tokens
from engage.consent import ConsentRecord, ConsentStatus, consent_record
from engage.errors import NotFoundError, ValidationError
from engage.events import Event, EventStream, emit

ONE_CLICK = "List-Unsubscribe=One-Click"
SOURCE = "one-click-unsubscribe"


@dataclass(frozen=True)
class Unsubscription:
    app_id: str
    endpoint_id: str
    campaign_id: str | None
    topic: str | None = None  # an endpoint attribute naming one subscription, e.g. "NewsletterOptIn"


def mint(
    secrets: Sequence[bytes],
    app_id: str,
    endpoint_id: str,
    campaign_id: str | None = None,
    expires_at: int | None = None,
    topic: str | None = None,
) -> str:
    claims = {"a": app_id, "e": endpoint_id, "c": campaign_id, "x": expires_at}
    if topic:
        claims["t"] = topic
    return signed_tokens.sign(secrets, claims)


def verify(token: str, secrets: Sequence[bytes], now: int) -> Unsubscription:
    """The unsubscription a token stands for; ValidationError when it is malformed, forged or
    expired (the caller answers all three the same way: it never says which)."""
    claims = signed_tokens.verify(token, secrets, now)
    if not isinstance(claims.get("a"), str) or not isinstance(claims.get("e"), str) or "u" in claims:
        raise ValidationError("token", "is not valid")  # another kind of token (the pixel's has "u")
    return Unsubscription(claims["a"], claims["e"], claims.get("c"), claims.get("t"))


def headers(https_url: str, token: str, mailto: str | None = None) -> dict[str, str]:
    """List-Unsubscribe with the HTTPS link (RFC 8058 requires it for one-click) and, when given, a
    mailto alternative; List-Unsubscribe-Post makes the HTTPS link one-click."""
    if not https_url.startswith("https://"):
        raise ValidationError("UnsubscribeUrl", "must be an https:// URL")
    separator = "&" if "?" in https_url else "?"
    links = [f"<{https_url}{separator}token={quote(token)}>"]
    if mailto:
        links.append(f"<mailto:{mailto}?subject={quote('unsubscribe ' + token)}>")
    return {"List-Unsubscribe": ", ".join(links), "List-Unsubscribe-Post": ONE_CLICK}


class Endpoints(Protocol):
    def get(self, app_id: str, endpoint_id: str) -> Mapping[str, Any]: ...
    def upsert(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> Mapping[str, Any]: ...


class ConsentWriter(Protocol):
    def record(self, record: ConsentRecord) -> bool: ...


def apply(
    claim: Unsubscription,
    endpoints: Endpoints,
    consent: ConsentWriter,
    stream: EventStream,
    recorded_at: str,
) -> bool:
    """Carries out an unsubscription: the endpoint opted out (OptOut ALL, and the address's consent
    recorded OPTED_OUT, so an endpoint created later for it is not written to either), or, for a
    topic, the topic attribute set to "false"; then `_email.unsubscribe` is emitted. Repeating it leaves
    the same state (and reports it again); False when the endpoint no longer exists (erased):
    nothing left to do."""
    try:
        endpoint = endpoints.get(claim.app_id, claim.endpoint_id)
    except NotFoundError:
        return False
    if claim.topic:
        endpoints.upsert(claim.app_id, claim.endpoint_id, {"Attributes": {claim.topic: ["false"]}})
    else:
        endpoints.upsert(claim.app_id, claim.endpoint_id, {"OptOut": "ALL"})
        consent.record(
            consent_record(
                claim.app_id, "EMAIL", endpoint["Address"], ConsentStatus.OPTED_OUT, SOURCE, recorded_at
            )
        )
    attributes = {"campaign_id": claim.campaign_id or "", "unsubscribe_scope": claim.topic or "ALL"}
    emit([Event("_email.unsubscribe", claim.app_id, claim.endpoint_id, attributes)], stream)
    return True
