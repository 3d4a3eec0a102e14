"""The archive of what was sent: every message kept as it went out, under
`archive/<ApplicationId>/<EndpointId>/<YYYY>/<MM>/<DD>/<HH>/<message id>` (the seed's layout
under the application, since one bucket serves every application and endpoint ids are only unique
within one; the endpoint before the date, so one person's archive is one prefix to erase): an
email as the exact `.eml` bytes SES sent, a text or voice message as its rendered text with the
metadata of the send."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engage.errors import ValidationError

PREFIX = "archive/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


def endpoint_prefix(app_id: str, endpoint_id: str) -> str:
    """Everything archived for one endpoint of an application (what erasure removes)."""
    if not app_id:
        raise ValidationError("ApplicationId", "is required")
    if not endpoint_id:
        raise ValidationError("EndpointId", "is required")
    return f"{PREFIX}{_safe(app_id)}/{_safe(endpoint_id)}/"


def key(app_id: str, endpoint_id: str, sent_at: datetime, message_id: str, extension: str) -> str:
    moment = sent_at.astimezone(UTC)
    return f"{endpoint_prefix(app_id, endpoint_id)}{moment:%Y/%m/%d/%H}/{_safe(message_id)}.{extension}"


@dataclass(frozen=True)
class ArchivedMessage:
    key: str
    body: bytes
    content_type: str


def email(app_id: str, endpoint_id: str, sent_at: datetime, message_id: str, raw: bytes) -> ArchivedMessage:
    """The email exactly as sent (the bytes given to SES)."""
    return ArchivedMessage(key(app_id, endpoint_id, sent_at, message_id, "eml"), raw, "message/rfc822")


def text(
    app_id: str,
    endpoint_id: str,
    sent_at: datetime,
    message_id: str,
    channel: str,
    body: str,
    metadata: Mapping[str, Any],
) -> ArchivedMessage:
    """A text or voice message as rendered, with what identifies the send."""
    document = {
        "ChannelType": channel,
        "EndpointId": endpoint_id,
        "MessageId": message_id,
        "SentAt": sent_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "Body": body,
        **dict(metadata),
    }
    encoded = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    return ArchivedMessage(key(app_id, endpoint_id, sent_at, message_id, "json"), encoded, "application/json")


def _safe(part: str) -> str:
    """An id as one path segment: characters S3 keys and URLs carry plainly, nothing else."""
    return _UNSAFE.sub(lambda m: f"%{ord(m.group(0)):02X}", part)
