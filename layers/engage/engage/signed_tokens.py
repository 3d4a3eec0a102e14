"""Signed tokens: a JSON object of claims, base64url, a dot, and its HMAC-SHA256 under the first of
the active secrets (base64url). A token is accepted under any active secret, so a secret rotates
without breaking tokens already handed out, and an `x` claim (epoch seconds) makes it expire. A
malformed, forged or expired token is refused with one message: the caller never learns which."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

from engage.errors import ValidationError


def sign(secrets: Sequence[bytes], claims: Mapping[str, Any]) -> str:
    if not secrets:
        raise ValidationError("secrets", "at least one signing secret is needed")
    payload = _b64(json.dumps(dict(claims), separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_b64(_mac(secrets[0], payload))}"


def verify(token: str, secrets: Sequence[bytes], now: float, field: str = "token") -> dict[str, Any]:
    """The token's claims; ValidationError (`field` is not valid) when it is malformed, forged or
    expired."""
    refused = ValidationError(field, "is not valid")
    payload, _, signature = token.partition(".")
    try:
        given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        if not payload or not any(hmac.compare_digest(_mac(s, payload), given) for s in secrets):
            raise refused
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        raise refused from None
    if not isinstance(claims, dict):
        raise refused
    if claims.get("x") is not None and now > float(claims["x"]):
        raise refused
    return claims


def _mac(secret: bytes, payload: str) -> bytes:
    return hmac.new(secret, payload.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
