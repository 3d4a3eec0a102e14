"""The campaigns area's composition root: its settings, read from the function's environment, and
its use cases (the campaign workflow's steps, a schedule's firing, the event campaigns, the chain's
start and approval request) built on the shared stores (engage.runtime's services)."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

from engage.adapters.dynamodb.campaigns import DynamoZoneSnapshots
from engage.adapters.s3.objects import WorkflowStarter
from engage.adapters.sns.topics import TopicPublisher
from engage.campaigns.hooks import HookPolicy
from engage.campaigns.runs import RunTools, settle
from engage.campaigns.start import CampaignStart
from engage.campaigns.steps import ApprovalRequest, ChainStart, EventCampaigns, PartSending, ScheduleFiring
from engage.config import EnvironmentSettings, resolve
from engage.jobs import JobClosing
from engage.runtime import services


@dataclass(frozen=True)
class CampaignSettings(EnvironmentSettings):
    work_bucket: str = ""  # where a run's parts and their manifest are written
    part_size: int = 1000  # endpoints per part: one campaign_batch invocation's work
    concurrency: int = 4  # the most parts the workflow's Map runs at once
    # The most parts a run's audience is resolved in at once, and the contact store's items one
    # part reads (docs/benchmarks.md, "Segment evaluation at a million").
    audience_parts: int = 16
    audience_part_items: int = 62_500

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> CampaignSettings:
        return cls(
            work_bucket=resolve(environ.get("WORK_BUCKET", "")),
            part_size=int(resolve(environ.get("CAMPAIGN_PART_SIZE", "1000"))),
            concurrency=int(resolve(environ.get("CAMPAIGN_CONCURRENCY", "4"))),
            audience_parts=int(resolve(environ.get("CAMPAIGN_AUDIENCE_PARTS", "16"))),
            audience_part_items=int(resolve(environ.get("CAMPAIGN_AUDIENCE_PART_ITEMS", "62500"))),
        )


@functools.cache
def settings() -> CampaignSettings:
    return CampaignSettings.from_env()


@functools.cache
def campaign_start() -> CampaignStart:
    config = settings()
    work_bucket = config.require("work_bucket")  # refused before any store is built
    return CampaignStart(
        services.applications,
        services.campaigns,
        services.segment_service,
        services.objects,
        zone_snapshots(),
        services.jobs,
        work_bucket,
        config.part_size,
        config.concurrency,
        config.audience_parts,
        config.audience_part_items,
    )


@functools.cache
def run_closing() -> JobClosing:
    return JobClosing(services.jobs, "campaign run", settle)


@functools.cache
def zone_snapshots() -> DynamoZoneSnapshots:
    """Where each campaign's audience is, by time zone, when its run starts (local-time campaigns)."""
    return DynamoZoneSnapshots(
        services.settings.require("campaigns_table"), services.factory.client("dynamodb")
    )


@functools.cache
def run_tools() -> RunTools:
    """What deciding and queueing a run's messages needs: caps, hooks, the send queue, consent."""
    config = services.settings
    return RunTools(
        caps=services.caps,
        hooks=services.hook_invoker,
        queue=services.send_queue,
        consent=services.consent,
        suppressions=services.suppression,
        hook_batch_size=int(config.hook_batch_size),
        hook_policy=HookPolicy(config.hook_failure_policy),
        settings=services.known_applications.settings,
    )


@functools.cache
def part_sending() -> PartSending:
    return PartSending(services.campaigns, services.objects, services.jobs, run_tools())


@functools.cache
def schedule_firing() -> ScheduleFiring:
    return ScheduleFiring(services.campaigns, zone_snapshots(), services.campaign_workflow)


@functools.cache
def event_campaigns() -> EventCampaigns:
    return EventCampaigns(
        services.campaigns, services.segment_service.membership, services.contacts, run_tools()
    )


@functools.cache
def chain_start() -> ChainStart:
    config = services.settings
    workflow = WorkflowStarter(services.factory.client("stepfunctions"), config.require("chain_workflow"))
    return ChainStart(
        services.objects,
        services.applications,
        workflow,
        config.chain_approval,
        int(config.import_concurrency),
        int(config.chain_approval_timeout),
    )


@functools.cache
def approval_request() -> ApprovalRequest:
    topic = TopicPublisher(services.factory.client("sns"), services.settings.require("campaign_topic"))
    return ApprovalRequest(services.jobs, topic.publish)
