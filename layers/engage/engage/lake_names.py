"""The names the lake's views show beside ids: a snapshot of every campaign and segment from our own
stores, as the `names` table's rows (sql/schema.sql), rewritten whole by a scheduled export so a
renamed or deleted campaign is renamed or gone in the views too."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

NAMES_KEY = "names/names.json"


def name_rows(
    campaigns: Iterable[Mapping[str, Any]], segments: Iterable[Mapping[str, Any]]
) -> Iterator[dict]:
    for campaign in campaigns:
        templates = campaign.get("TemplateConfiguration") or {}
        names = sorted({t["Name"] for t in templates.values() if isinstance(t, Mapping) and t.get("Name")})
        yield {
            "app_id": campaign["ApplicationId"],
            "kind": "campaign",
            "id": campaign["Id"],
            "name": campaign.get("Name"),
            "segment_id": campaign.get("SegmentId"),
            "template_name": ",".join(names) or None,
        }
    for segment in segments:
        yield {
            "app_id": segment["ApplicationId"],
            "kind": "segment",
            "id": segment["Id"],
            "name": segment.get("Name"),
            "segment_id": None,
            "template_name": None,
        }


def names_document(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """JSON lines, as the names table reads them."""
    return "".join(json.dumps(dict(row), sort_keys=True) + "\n" for row in rows).encode()
