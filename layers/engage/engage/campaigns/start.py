"""Starting a campaign run, the campaign workflow's first step: the campaign named by CampaignId, or one
made from the seed's input (SegmentId, SegmentName, template names); its segment written as parts for
the workflow's Map (for a local-time firing, only the endpoints whose time it is: a firing that
reaches nobody records no run); the run's record. A retried start finds what the first one did and
does it again without doubling."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage import clock
from engage.campaigns.model import Campaigns, new_campaign
from engage.campaigns.runs import Firing, new_run, seed_campaign_id, seed_request
from engage.campaigns.schedule import ZoneSnapshots
from engage.campaigns.triggers import instant
from engage.contacts.model import Endpoint
from engage.errors import ConflictError
from engage.obs import logger
from engage.segments.export import part_key, write_parts

WORK_PREFIX = "campaign-work/"


class Applications(Protocol):
    def require(self, app_id: str) -> dict[str, Any]: ...


class Audience(Protocol):
    def evaluate(self, app_id: str, segment_id: str) -> Iterator[Endpoint]: ...


class Runs(Protocol):
    def create(self, job: dict[str, Any]) -> bool: ...
    def start_processing(self, app_id: str, job_id: str, pieces: int) -> None: ...


class Parts(Protocol):
    def write(self, bucket: str, key: str, body: bytes) -> str: ...
    def write_json(self, bucket: str, key: str, document: Any) -> str: ...


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
    concurrency: int  # the most parts the workflow's Map runs at once

    def start(self, request: Mapping[str, Any], run_id: str) -> dict[str, Any]:
        """The workflow's state for the run's parts: where their manifest is, how many, how many at
        once; `nobody_due` for a local-time firing whose time is nobody's."""
        app_id = self.applications.require(request["ApplicationId"])["application"]["Id"]
        campaign = self._campaign(app_id, request, run_id)
        bucket, prefix = self.work_bucket, f"{WORK_PREFIX}{run_id}/"
        endpoints = self.audience.evaluate(app_id, campaign["SegmentId"])
        firing = Firing(campaign, instant(request["LocalTimeAt"])) if request.get("LocalTimeAt") else None
        written = write_parts(
            firing.due(endpoints) if firing else endpoints,
            self.part_size,
            lambda index, body: self.parts.write(bucket, part_key(prefix, "parts", index), body),
        )
        if firing:  # the next firings start runs only where someone in these zones may be due
            self.zone_snapshots.put(app_id, campaign["Id"], firing.snapshot(clock.now()))
        if firing and not written.records:  # nobody's wall-clock time: no run, no activity
            return {"app_id": app_id, "run_id": run_id, "parts": 0, "nobody_due": True}
        self.jobs.create(new_run(run_id, campaign, request, firing.elsewhere if firing else 0))
        local_at = {"local_at": request["LocalTimeAt"]} if firing else {}
        items = [
            {
                "app_id": app_id,
                "campaign_id": campaign["Id"],
                "run_id": run_id,
                "bucket": bucket,
                **local_at,
                **p,
            }
            for p in written.parts
        ]
        manifest = self.parts.write_json(bucket, f"{prefix}manifest.json", items)
        self.jobs.start_processing(app_id, run_id, len(items))
        logger.info(
            "campaign run started",
            extra={"run_id": run_id, "campaign_id": campaign["Id"], "endpoints": written.records},
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
