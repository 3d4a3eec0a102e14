"""The campaigns area's composition root: its settings, read from the function's environment, and
the campaign workflow's start and finish steps built on the shared stores (engage.runtime's
services)."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

from engage.campaigns.runs import settle
from engage.campaigns.start import CampaignStart
from engage.config import EnvironmentSettings, resolve
from engage.jobs import JobClosing
from engage.runtime import services


@dataclass(frozen=True)
class CampaignSettings(EnvironmentSettings):
    work_bucket: str = ""  # where a run's parts and their manifest are written
    part_size: int = 1000  # endpoints per part: one campaign_batch invocation's work
    concurrency: int = 4  # the most parts the workflow's Map runs at once

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> CampaignSettings:
        return cls(
            work_bucket=resolve(environ.get("WORK_BUCKET", "")),
            part_size=int(resolve(environ.get("CAMPAIGN_PART_SIZE", "1000"))),
            concurrency=int(resolve(environ.get("CAMPAIGN_CONCURRENCY", "4"))),
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
        services.zone_snapshots,
        services.jobs,
        work_bucket,
        config.part_size,
        config.concurrency,
    )


@functools.cache
def run_closing() -> JobClosing:
    return JobClosing(services.jobs, "campaign run", settle)
