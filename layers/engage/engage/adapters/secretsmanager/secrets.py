"""Signing keys kept in Secrets Manager as `{"current": "...", "previous": "..."}`: tokens are
signed with the current key and accepted under both, so a key rotates (previous := current,
current := new) without breaking tokens already handed out. Read through Powertools Parameters,
cached for a few minutes."""

from __future__ import annotations

import json
from typing import Any

from engage.errors import ValidationError

MAX_AGE_SECONDS = 300


_providers: dict[int, Any] = {}


def signing_keys(client: Any, secret_id: str) -> list[bytes]:  # a boto3 Secrets Manager client
    """The keys, read through one Powertools provider per client (its cache lives in the provider:
    a new provider per call would read the secret on every check)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    provider = _providers.get(id(client))
    if provider is None:
        provider = _providers[id(client)] = SecretsProvider(boto3_client=client)
    value = provider.get(secret_id, max_age=MAX_AGE_SECONDS)
    return parse_keys(value if isinstance(value, str) else value.decode())


def parse_keys(value: str) -> list[bytes]:
    try:
        document = json.loads(value)
    except json.JSONDecodeError:
        document = {"current": value}
    if not isinstance(document, dict) or not document.get("current"):
        raise ValidationError("secret", 'must hold {"current": "<key>"} (and "previous" while rotating)')
    return [str(document[name]).encode() for name in ("current", "previous") if document.get(name)]
