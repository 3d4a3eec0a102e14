"""The names the lake's views show beside ids: a snapshot of every campaign, segment and journey from our own
stores, as the `names` table's rows (sql/schema.sql), rewritten whole by a scheduled export so a
renamed campaign is renamed in the views too. A deleted campaign keeps its row, with the name it had
when it was deleted and `deleted` true (as the seed's export kept them): its events still carry its
id, and a report on last month should not lose the name of a campaign deleted since."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage.obs import metrics

NAMES_KEY = "names/names.json"
CONTENT_TYPE = "application/x-ndjson"


def _campaign_row(campaign: Mapping[str, Any], deleted: bool) -> dict[str, Any]:
    templates = campaign.get("TemplateConfiguration") or {}
    names = sorted({t["Name"] for t in templates.values() if isinstance(t, Mapping) and t.get("Name")})
    return {
        "app_id": campaign["ApplicationId"],
        "kind": "campaign",
        "id": campaign["Id"],
        "name": campaign.get("Name"),
        "segment_id": campaign.get("SegmentId"),
        "template_name": ",".join(names) or None,
        "deleted": deleted,
    }


def _journey_row(journey: Mapping[str, Any]) -> dict[str, Any]:
    """A journey's name, its entry segment and the templates its message activities send."""
    names = sorted(
        {
            part["TemplateName"]
            for activity in (journey.get("Activities") or {}).values()
            for part in activity.values()
            if isinstance(part, Mapping) and part.get("TemplateName")
        }
    )
    condition = journey.get("StartCondition") or {}
    start = condition.get("SegmentStartCondition") or condition.get("EventStartCondition") or {}
    return {
        "app_id": journey["ApplicationId"],
        "kind": "journey",
        "id": journey["Id"],
        "name": journey.get("Name"),
        "segment_id": start.get("SegmentId"),
        "template_name": ",".join(names) or None,
        "deleted": False,
    }


def name_rows(
    campaigns: Iterable[Mapping[str, Any]],
    segments: Iterable[Mapping[str, Any]],
    deleted_campaigns: Iterable[Mapping[str, Any]] = (),
    journeys: Iterable[Mapping[str, Any]] = (),
) -> Iterator[dict]:
    """The live campaigns, then the deleted ones (one row per id: a live campaign wins), then the
    journeys, then the segments."""
    live: set[tuple[str, str]] = set()
    for campaign in campaigns:
        live.add((campaign["ApplicationId"], campaign["Id"]))
        yield _campaign_row(campaign, deleted=False)
    for campaign in deleted_campaigns:
        if (campaign["ApplicationId"], campaign["Id"]) not in live:
            yield _campaign_row(campaign, deleted=True)
    for journey in journeys:
        yield _journey_row(journey)
    for segment in segments:
        yield {
            "app_id": segment["ApplicationId"],
            "kind": "segment",
            "id": segment["Id"],
            "name": segment.get("Name"),
            "segment_id": None,
            "template_name": None,
            "deleted": False,
        }


def names_document(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """JSON lines, as the names table reads them."""
    return "".join(json.dumps(dict(row), sort_keys=True) + "\n" for row in rows).encode()


class Campaigns(Protocol):
    def all(self) -> Iterable[Mapping[str, Any]]: ...

    def deleted(self) -> Iterable[Mapping[str, Any]]: ...


class Segments(Protocol):
    def all(self) -> Iterable[Mapping[str, Any]]: ...


@dataclass(frozen=True)
class NamesExport:
    """The scheduled export: every name, written whole into the lake (`write(key, body,
    content_type)` puts one object in the events bucket)."""

    campaigns: Campaigns
    segments: Segments
    write: Callable[[str, bytes, str], Any]
    journeys: Segments | None = None  # anything with `all()`: every application's journeys

    def run(self) -> dict[str, Any]:
        journeys = self.journeys.all() if self.journeys else ()
        rows = list(name_rows(self.campaigns.all(), self.segments.all(), self.campaigns.deleted(), journeys))
        self.write(NAMES_KEY, names_document(rows), CONTENT_TYPE)
        metrics.add_metric(name="LakeNamesExported", unit="Count", value=len(rows))
        return {"Names": len(rows), "Key": NAMES_KEY}
