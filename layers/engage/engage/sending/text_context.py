"""The context an SMS or voice message carries into its delivery events. End User Messaging's
`Context` holds at most 5 entries of at most 800 characters each (botocore's pinpoint-sms-voice-v2
model; AWS refuses more, botocore does not check), so the ids that find the message again are kept
as entries of their own and the rest (campaign, activity, treatment, retry) ride in one JSON entry,
`tags`, which `unpack` opens."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engage.errors import ValidationError

MAX_ENTRIES = 5
MAX_VALUE = 800
OWN_ENTRIES = ("application_id", "endpoint_id", "request_id", "message_id")
PACKED = "tags"


def pack(tags: Mapping[str, str]) -> dict[str, str]:
    """At most 5 entries: the own ones, and the rest as one JSON `tags` entry."""
    context = {k: str(tags[k]) for k in OWN_ENTRIES if tags.get(k)}
    rest = {k: str(v) for k, v in sorted(tags.items()) if k not in OWN_ENTRIES and v}
    if rest:
        context[PACKED] = json.dumps(rest, separators=(",", ":"), sort_keys=True)
    too_long = [k for k, v in context.items() if len(v) > MAX_VALUE]
    if too_long:
        raise ValidationError("Context", f"longer than {MAX_VALUE} characters: {', '.join(too_long)}")
    return context


def unpack(context: Any) -> dict[str, str]:
    """Every tag a packed context carries (an unpacked one, as older sends wrote it, as it is)."""
    if not isinstance(context, Mapping):
        return {}
    tags = {str(k): str(v) for k, v in context.items() if k != PACKED}
    try:
        packed = json.loads(context.get(PACKED) or "{}")
    except (TypeError, ValueError):
        packed = {}
    if isinstance(packed, Mapping):
        tags.update({str(k): str(v) for k, v in packed.items() if k not in tags})
    return tags
