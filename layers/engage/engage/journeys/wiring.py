"""The journeys area's composition root: its use cases built once per execution environment on the
shared services (engage.runtime)."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from engage.adapters.sqs.queue import SendQueue
from engage.config import EnvironmentSettings
from engage.errors import NotFoundError
from engage.journeys.entry import EventEntry, SegmentEntry, segment_of
from engage.journeys.flow import Entering, Stepping, Waking
from engage.runtime import services


@dataclass(frozen=True)
class JourneySettings(EnvironmentSettings):
    work_bucket: str = ""
    part_size: int = 1000
    concurrency: int = 50

    ENV_NAMES: ClassVar[Mapping[str, str]] = {
        "part_size": "JOURNEY_PART_SIZE",
        "concurrency": "JOURNEY_ENTRY_CONCURRENCY",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> JourneySettings:
        return cls(
            work_bucket=environ.get("WORK_BUCKET", ""),
            part_size=int(environ.get("JOURNEY_PART_SIZE", "1000")),
            concurrency=int(environ.get("JOURNEY_ENTRY_CONCURRENCY", "50")),
        )


@functools.cache
def step_queue() -> SendQueue:
    return SendQueue(services.factory.client("sqs"), services.settings.require("journey_step_queue_url"))


@functools.cache
def entering() -> Entering:
    return Entering(services.journey_participants, step_queue(), stepping(), stepping().wakes)


@functools.cache
def segment_entry() -> SegmentEntry:
    config = JourneySettings.from_env()
    return SegmentEntry(
        services.journeys,
        services.segment_service,
        services.objects,
        entering(),
        config.require("work_bucket"),
        config.part_size,
        config.concurrency,
    )


@functools.cache
def event_entry() -> EventEntry:
    def endpoint_of(app_id: str, endpoint_id: str) -> Mapping | None:
        try:
            return services.contacts.get(app_id, endpoint_id)
        except NotFoundError:
            return None

    return EventEntry(
        services.journeys,
        services.segment_service.membership,
        endpoint_of,
        entering(),
        services.journey_participants.record_event,
    )


@functools.cache
def waking() -> Waking:
    return Waking(
        services.journeys,
        services.journey_participants,
        step_queue(),
        services.journey_wakes,
        services.journey_launcher.start_entry,
        services.journeys.settle,
        lambda journey, wall: services.journey_launcher.watch_segment(journey, _segment_of(journey), wall),
    )


def _segment_of(journey: Mapping[str, Any]) -> dict[str, Any] | None:
    """The segment a journey refreshing on its update enters (read only for those)."""
    segment_id = segment_of(journey) if journey.get("RefreshOnSegmentUpdate") else None
    return services.segments.get(journey["ApplicationId"], segment_id) if segment_id else None


@functools.cache
def stepping() -> Stepping:
    return Stepping(
        services.journeys,
        services.journey_participants,
        services.contacts,
        services.send_queue,
        services.journey_wakes,
        services.known_applications.settings,
        services.segment_service.membership,
    )
