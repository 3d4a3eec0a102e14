"""The campaign functions' use cases over ports: a part of a run sent, a schedule's firing, an
event's campaigns, and the import, validate, campaign chain's start and approval request."""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Protocol

from engage.audience.imports.job import ImportSource, decoded_key
from engage.campaigns.chain import approval_record, chain_input
from engage.campaigns.on_event import on_event
from engage.campaigns.runs import (
    RunTools,
    activity,
    cancelled,
    cancelled_part,
    new_run,
    run_batch,
    seed_campaign_id,
)
from engage.campaigns.schedule import local_time, reaches_anyone, runs_at, scheduled_run_id
from engage.campaigns.triggers import instant
from engage.contacts.model import now_iso
from engage.errors import NotFoundError


class Workflow(Protocol):
    def start(self, name: str, workflow_input: Mapping[str, Any]) -> bool:
        """Starts an execution under `name`; False when one under that name ran or runs already."""
        ...


class Objects(Protocol):
    def open(self, bucket: str, key: str) -> IO[bytes]: ...
    def existing(self, bucket: str, key: str, *spellings: str) -> tuple[str, Mapping[str, str] | None]: ...


@dataclass
class PartSending:
    """One part of a campaign run: its endpoints decided and queued (nothing when the run was
    cancelled), and the part's counts added to the run once."""

    campaigns: Any  # get(app_id, campaign_id)
    objects: Objects
    jobs: Any  # get, record_piece (engage.jobs)
    tools: RunTools

    def send(self, part: Mapping[str, Any], now: datetime) -> tuple[dict[str, int], bool]:
        """(the part's counts, whether they were added now: False on a replay)."""
        campaign = self.campaigns.get(part["app_id"], part["campaign_id"])
        with gzip.open(self.objects.open(part["bucket"], part["key"])) as lines:
            endpoints = [json.loads(line) for line in lines if line.strip()]
        run = self.jobs.get(part["app_id"], part["run_id"])
        counts = (
            cancelled_part(len(endpoints))
            if cancelled(run)
            else run_batch(
                campaign,
                part["run_id"],
                endpoints,
                now,
                self.tools,
                instant(part["local_at"]) if part.get("local_at") else None,
                started=instant(run["CreationDate"]) if run else None,  # MaximumDuration counts from here
            )
        )
        failures = (
            [f"{counts['NotQueued']} message(s) of part {part['index']} were not queued"]
            if counts["NotQueued"]
            else []
        )
        counted = self.jobs.record_piece(
            part["app_id"],
            part["run_id"],
            part["index"],
            counts,
            failures,
            processed=len(endpoints),
            failed=counts["NotQueued"],
        )
        return counts, counted


@dataclass
class ScheduleFiring:
    """A campaign's schedule fired: its run started once per firing, when it is due and, for a
    local-time campaign, when some of its audience is in a zone where it is that time."""

    campaigns: Any  # get(app_id, campaign_id)
    zone_snapshots: Any  # get(app_id, campaign_id)
    workflow: Workflow

    def fire(self, app_id: str, campaign_id: str, scheduled_time: str) -> dict[str, Any]:
        """{"started": bool, "run_id"} or {"started": False, "reason"}: CAMPAIGN_DELETED, NOT_DUE
        or NOBODY_DUE."""
        try:
            campaign = self.campaigns.get(app_id, campaign_id)
        except NotFoundError:
            return {"started": False, "reason": "CAMPAIGN_DELETED"}
        scheduled = instant(scheduled_time)
        if not runs_at(campaign, scheduled):  # as it was at its firing, however late it was delivered
            return {"started": False, "reason": "NOT_DUE"}
        if local_time(campaign) and not reaches_anyone(
            campaign, scheduled, self.zone_snapshots.get(app_id, campaign_id)
        ):
            return {"started": False, "reason": "NOBODY_DUE"}  # nobody of its audience is in those zones
        request = {"ApplicationId": app_id, "CampaignId": campaign_id}
        if local_time(campaign):
            request["LocalTimeAt"] = scheduled_time  # the run sends where it is the campaign's time
        run_id = scheduled_run_id(campaign_id, scheduled_time)
        return {"started": self.workflow.start(run_id, request), "run_id": run_id}


@dataclass
class EventCampaigns:
    """The event-triggered campaigns an event runs: each application's campaigns read once per
    batch, and each segment's membership once."""

    campaigns: Any  # list(app_id)
    membership: Callable[[str, str], Callable[[Mapping[str, Any]], bool]]
    contacts: Any  # get(app_id, endpoint_id)
    tools: RunTools

    def batch(self) -> Callable[[Mapping[str, Any], datetime], dict[str, int]]:
        """What runs one batch's events: the counts of what each did."""
        listed: dict[str, list[dict[str, Any]]] = {}
        membership = functools.cache(self.membership)

        def run(event: Mapping[str, Any], now: datetime) -> dict[str, int]:
            app_id = event["application"]["app_id"]
            if app_id not in listed:
                listed[app_id] = self.campaigns.list(app_id)
            return on_event(event, listed[app_id], self._endpoint, membership, self.tools, now)

        return run

    def _endpoint(self, app_id: str, endpoint_id: str) -> Mapping[str, Any] | None:
        try:
            return self.contacts.get(app_id, endpoint_id)
        except NotFoundError:
            return None


@dataclass
class ChainStart:
    """A file dropped for the import, validate, campaign chain: the chain started once per object
    version; a file whose metadata names no template, or whose application does not exist, is
    refused before anything is imported."""

    objects: Objects
    applications: Any  # require(app_id)
    workflow: Workflow
    approval: str
    import_concurrency: int
    approval_timeout: int

    def start(self, bucket: str, raw_key: str, version_id: str | None, etag: str) -> tuple[str, bool]:
        """(the chain's run id, whether this call started it)."""
        key, metadata = self.objects.existing(bucket, decoded_key(raw_key), raw_key)
        if metadata is None:
            raise NotFoundError(f"s3://{bucket}/{key} no longer exists: nothing to import")
        source = ImportSource(bucket, key, f"{version_id or 'null'}/{etag}")
        chain = chain_input(
            source, raw_key, metadata, self.approval, self.import_concurrency, self.approval_timeout
        )
        self.applications.require(chain["app_id"])
        return chain["run_id"], self.workflow.start(chain["run_id"], chain)


@dataclass
class ApprovalRequest:
    """The chain waits for a person: the run recorded as awaiting approval under the step's task
    token, and the request published once (a retried step renews the token instead)."""

    jobs: Any  # create, renew_approval (engage.jobs)
    publish: Callable[[Mapping[str, Any], str], object]  # the campaign topic

    def request(self, step: Mapping[str, Any]) -> tuple[str, bool, bool]:
        """(the run id, whether the request was published now, whether a token was renewed)."""
        campaign_request, run_id = step["campaign"], step["run_id"]
        campaign = {
            "ApplicationId": campaign_request["ApplicationId"],
            "Id": seed_campaign_id(run_id),
            "SegmentId": campaign_request["SegmentId"],
        }
        run = approval_record(new_run(run_id, campaign, campaign_request), step["token"], now_iso())
        if not self.jobs.create(run):
            # A retried step waits under a new token: the record keeps the one that resumes the chain.
            renewed = self.jobs.renew_approval(campaign_request["ApplicationId"], run_id, run["Approval"])
            return run_id, False, bool(renewed)
        summary = {
            **activity(run),
            "Campaign": campaign_request,  # what would be sent to which segment
            "Validation": step.get("validation"),
            "ApprovalTimeoutSeconds": step.get("timeout"),
        }
        self.publish(summary, "approval_requested")
        return run_id, True, False
