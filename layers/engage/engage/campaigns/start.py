"""Starting a campaign run, the campaign workflow's first steps: the campaign named by CampaignId, or one
made from the seed's input (SegmentId, SegmentName, template names); its segment resolved in parts,
each by a worker of its own (the workflow's ResolveAudience Map) and written as parts for the
sending Map (for a local-time firing, only the endpoints whose time it is: a firing that reaches
nobody records no run); then the run's record and the sending Map's manifest. A retried step finds
what the first one did and does it again without doubling.

How many parts the audience is resolved in follows the contact store's size (`audience_part_items`
items read per part, at most `audience_parts` parts): a small store is read by one worker, a
million endpoints by many at once (docs/benchmarks.md, "Segment evaluation at a million")."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engage import clock
from engage.campaigns.model import Campaigns, new_campaign
from engage.campaigns.runs import Firing, new_run, seed_campaign_id, seed_request
from engage.campaigns.schedule import ZoneSnapshot, ZoneSnapshots
from engage.campaigns.triggers import instant
from engage.contacts.model import Endpoint
from engage.errors import ConflictError, ValidationError
from engage.obs import logger
from engage.segments.export import part_key, write_parts

WORK_PREFIX = "campaign-work/"
MAP_CONCURRENCY = 40  # the most iterations an inline Map runs at once


class Applications(Protocol):
    def require(self, app_id: str) -> dict[str, Any]: ...


class Audience(Protocol):
    def evaluate_part(self, app_id: str, segment_id: str, part: int, parts: int) -> Iterator[Endpoint]:
        """Part `part` of `parts` of the segment's endpoints: disjoint parts, together the segment."""
        ...

    def parts_for(self, items_per_part: int, most: int) -> int: ...


class Runs(Protocol):
    def create(self, job: dict[str, Any]) -> bool: ...
    def start_processing(self, app_id: str, job_id: str, pieces: int) -> None: ...


class Parts(Protocol):
    def write(self, bucket: str, key: str, body: bytes) -> str: ...
    def write_json(self, bucket: str, key: str, document: Any) -> str: ...
    def read(self, bucket: str, key: str) -> bytes: ...


@dataclass(frozen=True)
class CampaignStart:
    applications: Applications
    campaigns: Campaigns
    audience: Audience  # the segments' endpoints
    parts: Parts
    zone_snapshots: ZoneSnapshots
    jobs: Runs  # the job store, where runs are recorded
    work_bucket: str
    part_size: int
    concurrency: int  # the most parts the workflow's sending Map runs at once
    audience_parts: int = 16  # the most parts an audience is resolved in (all at once)
    audience_part_items: int = 62_500  # the store's items one part of the audience reads

    def start(self, request: Mapping[str, Any], run_id: str) -> dict[str, Any]:
        """The three steps below in one go (one worker resolves every part in turn): the state the
        sending Map starts from."""
        planned = self.plan(request, run_id)
        return self._record(planned, [self._resolve(item) for item in planned["audience"]])

    def plan(self, request: Mapping[str, Any], run_id: str) -> dict[str, Any]:
        """The workflow's first step: the run's campaign (made from the seed's input if need be)
        and the parts its audience is resolved in, one ResolveAudience item each."""
        app_id = self.applications.require(request["ApplicationId"])["application"]["Id"]
        campaign = self._campaign(app_id, request, run_id)
        parts = self.audience.parts_for(self.audience_part_items, min(self.audience_parts, MAP_CONCURRENCY))
        item = {
            "app_id": app_id,
            "campaign_id": campaign["Id"],
            "segment_id": campaign["SegmentId"],
            "run_id": run_id,
            "bucket": self.work_bucket,
            "parts": parts,
            **_local_at(request),
        }
        return {
            "app_id": app_id,
            "campaign_id": campaign["Id"],
            "run_id": run_id,
            "input": dict(request),
            "parts": parts,
            "audience": [{**item, "part": n} for n in range(parts)],
        }

    def resolve(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """A ResolveAudience item: its part of the audience written as parts for the sending Map,
        and a summary of what it found kept beside them (what the workflow's state holds of it is
        small, whatever the audience)."""
        summary = self._resolve(item)
        key = self.parts.write_json(
            item["bucket"], f"{_prefix(item['run_id'])}audience/{item['part']:04d}.json", summary
        )
        return {"part": item["part"], "summary": key, "records": summary["records"]}

    def record(self, planned: Mapping[str, Any], resolved: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The step after ResolveAudience: every part's summary read back, the run recorded with
        its parts (numbered across the whole audience) and their manifest written, as `start`.
        Every planned part must have been resolved, once: a run never goes out to part of its
        audience, nor to a part twice."""
        found = sorted(r["part"] for r in resolved)
        if found != list(range(planned["parts"])):
            raise ValidationError("resolved", f"parts {found} were resolved of {planned['parts']} planned")
        summaries = [self._summary(r) for r in sorted(resolved, key=lambda r: r["part"])]
        return self._record(planned, summaries)

    def _summary(self, resolved: Mapping[str, Any]) -> dict[str, Any]:
        return json.loads(self.parts.read(self.work_bucket, resolved["summary"]))

    def _resolve(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """Part n of N of the audience (for a local-time firing, those whose time it is) written
        as parts: their keys and counts, the endpoints left for another firing, the zones seen."""
        app_id, n = item["app_id"], item["part"]
        endpoints = self.audience.evaluate_part(app_id, item["segment_id"], n, item["parts"])
        firing = (
            Firing(self.campaigns.get(app_id, item["campaign_id"]), instant(item["local_at"]))
            if item.get("local_at")
            else None
        )
        folder = f"parts/{n:04d}" if item["parts"] > 1 else "parts"
        written = write_parts(
            firing.due(endpoints) if firing else endpoints,
            self.part_size,
            lambda index, body: self.parts.write(
                item["bucket"], part_key(_prefix(item["run_id"]), folder, index), body
            ),
        )
        return {
            "part": n,
            "parts": [{"key": p["key"], "records": p["records"]} for p in written.parts],
            "records": written.records,
            "elsewhere": firing.elsewhere if firing else 0,
            "zones": sorted(firing.zones) if firing else [],
        }

    def _record(self, planned: Mapping[str, Any], summaries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        app_id, run_id, request = planned["app_id"], planned["run_id"], planned["input"]
        campaign = self.campaigns.get(app_id, planned["campaign_id"])
        firing = bool(request.get("LocalTimeAt"))
        records = sum(s["records"] for s in summaries)
        elsewhere = sum(s["elsewhere"] for s in summaries)
        if firing:  # the next firings start runs only where someone in these zones may be due
            zones = frozenset(zone for s in summaries for zone in s["zones"])
            self.zone_snapshots.put(app_id, campaign["Id"], ZoneSnapshot(zones, clock.now()))
        if firing and not records:  # nobody's wall-clock time: no run, no activity
            return {"app_id": app_id, "run_id": run_id, "parts": 0, "nobody_due": True}
        self.jobs.create(new_run(run_id, campaign, request, elsewhere))
        written = [p for s in summaries for p in s["parts"]]
        bucket, local_at = self.work_bucket, _local_at(request)
        items = [
            {
                "app_id": app_id,
                "campaign_id": campaign["Id"],
                "run_id": run_id,
                "bucket": bucket,
                **local_at,
                "key": p["key"],
                "index": index,
                "records": p["records"],
            }
            for index, p in enumerate(written)
        ]
        manifest = self.parts.write_json(bucket, f"{_prefix(run_id)}manifest.json", items)
        self.jobs.start_processing(app_id, run_id, len(items))
        logger.info(
            "campaign run started",
            extra={"run_id": run_id, "campaign_id": campaign["Id"], "endpoints": records},
        )
        return {
            "app_id": app_id,
            "campaign_id": campaign["Id"],
            "run_id": run_id,
            "bucket": bucket,
            "manifest": manifest,
            "parts": len(items),
            "concurrency": max(1, min(self.concurrency, len(items))),
            "nobody_due": False,
        }

    def _campaign(self, app_id: str, request: Mapping[str, Any], run_id: str) -> dict[str, Any]:
        if request.get("CampaignId"):
            return self.campaigns.get(app_id, request["CampaignId"])
        campaign = new_campaign(app_id, seed_request(request), seed_campaign_id(run_id))
        try:
            self.campaigns.store.put(campaign)
        except ConflictError:  # a retried start: the campaign exists already
            return self.campaigns.get(app_id, campaign["Id"])
        return campaign


def _prefix(run_id: str) -> str:
    return f"{WORK_PREFIX}{run_id}/"


def _local_at(request: Mapping[str, Any]) -> dict[str, str]:
    """What a local-time firing's items carry: the instant it fires at (nothing for other runs)."""
    return {"local_at": request["LocalTimeAt"]} if request.get("LocalTimeAt") else {}
