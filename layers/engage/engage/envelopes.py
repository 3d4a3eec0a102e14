"""What a queue message carries: the JSON document SNS delivered, whether the subscription uses raw
delivery (the body is the document) or not (the document is the envelope's Message)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engage.errors import ValidationError


def sns_document(body: str) -> Any:
    document = json.loads(body)
    if isinstance(document, dict) and document.get("Type") == "Notification" and "Message" in document:
        return json.loads(document["Message"])
    return document


def json_object(value: str | bytes | Mapping[str, Any], field: str) -> Mapping[str, Any]:
    """A JSON object given as text (or already parsed); ValidationError naming `field` otherwise."""
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValidationError(field, f"is not JSON: {getattr(exc, 'msg', exc)}") from None
    if not isinstance(value, Mapping):
        raise ValidationError(field, "must be a JSON object")
    return value
