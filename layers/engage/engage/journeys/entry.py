"""How participants come into a journey.

- By segment (`StartCondition.SegmentStartCondition`): when the journey is published, or at its
  `Schedule.StartTime`, the entry workflow writes the segment's endpoints as parts (as a campaign
  run does) and enters each part's participants, many parts at once.
- By event (`StartCondition.EventStartCondition`): an event from `PutEvents`, the pixel or a
  channel, matched on the `EventFilter` as event-triggered campaigns match it, enters its endpoint's
  participant when the endpoint is in the condition's segment (if it names one). As for campaigns,
  an event more than five minutes old is late and enters nobody, and a journey never enters anyone
  on the events of its own messages.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Protocol

from engage.campaigns.triggers import MAX_EVENT_AGE, event_matches
from engage.errors import NotFoundError, ValidationError
from engage.journeys.conditions import MessageEvent, message_event
from engage.journeys.flow import Entering, entry_window
from engage.journeys.metrics import run_id
from engage.segments.export import part_key, write_parts

WORK_PREFIX = "journey-work/"
EVENT_COUNTS = ("LATE", "NO_ENDPOINT", "NOT_IN_SEGMENT", "NO_SEGMENT")


class Audience(Protocol):
    def evaluate(self, app_id: str, segment_id: str) -> Iterator[Mapping[str, Any]]: ...


class Objects(Protocol):
    def write(self, bucket: str, key: str, body: bytes) -> str: ...
    def write_json(self, bucket: str, key: str, document: Any) -> str: ...
    def open(self, bucket: str, key: str) -> IO[bytes]: ...


class JourneyLister(Protocol):
    def get(self, app_id: str, journey_id: str) -> dict[str, Any]: ...
    def list(self, app_id: str) -> list[dict[str, Any]]: ...


def entry_name(journey: Mapping[str, Any]) -> str:
    """The entry workflow's execution name: one segment entry per journey."""
    return f"journey-{journey['Id']}"[:80]


def segment_of(journey: Mapping[str, Any]) -> str | None:
    condition = (journey.get("StartCondition") or {}).get("SegmentStartCondition") or {}
    return condition.get("SegmentId")


@dataclass
class SegmentEntry:
    journeys: JourneyLister
    audience: Audience
    objects: Objects
    entering: Entering
    work_bucket: str
    part_size: int
    concurrency: int

    def start(self, app_id: str, journey_id: str, run: str) -> dict[str, Any]:
        """The entry workflow's first step: the segment written as parts and their manifest, for
        the journey's run `run`."""
        journey = self.journeys.get(app_id, journey_id)
        segment_id = segment_of(journey)
        if not segment_id:
            raise ValidationError(
                "StartCondition.SegmentStartCondition", "the journey starts from no segment"
            )
        prefix = f"{WORK_PREFIX}{app_id}/{journey_id}/{run}/"
        written = write_parts(
            self.audience.evaluate(app_id, segment_id),
            self.part_size,
            lambda index, body: self.objects.write(self.work_bucket, part_key(prefix, "parts", index), body),
        )
        items = [
            {"app_id": app_id, "journey_id": journey_id, "run_id": run, "bucket": self.work_bucket, **part}
            for part in written.parts
        ]
        manifest = self.objects.write_json(self.work_bucket, f"{prefix}manifest.json", items)
        return {
            "app_id": app_id,
            "journey_id": journey_id,
            "run_id": run,
            "bucket": self.work_bucket,
            "manifest": manifest,
            "parts": len(items),
            "endpoints": written.records,
            "concurrency": max(1, min(self.concurrency, len(items))),
        }

    def part(self, part: Mapping[str, Any], wall: float) -> dict[str, int]:
        """One part's endpoints entered; the counts of what each participant did."""
        journey = self.journeys.get(part["app_id"], part["journey_id"])
        with gzip.open(self.objects.open(part["bucket"], part["key"])) as lines:
            endpoints = [json.loads(line) for line in lines if line.strip()]
        return self.entering.enter(journey, endpoints, wall, part["run_id"])


@dataclass
class EventEntry:
    journeys: JourneyLister
    membership: Callable[[str, str], Callable[[Mapping[str, Any]], bool]]  # (app, segment): predicate
    endpoint_of: Callable[[str, str], Mapping[str, Any] | None]
    entering: Entering
    # Keeps an event of a journey's message for the splits' event conditions and its activity's
    # counts (ParticipantStore.record_event).
    record_event: Callable[[str, MessageEvent], bool] = lambda *_: False

    def batch(self) -> Callable[[Mapping[str, Any], datetime], dict[str, int]]:
        """A matcher for one batch of records: each application's journeys read once."""
        journeys: dict[str, list[dict[str, Any]]] = {}

        def run(record: Mapping[str, Any], now: datetime) -> dict[str, int]:
            app_id = record["application"]["app_id"]
            if app_id not in journeys:
                journeys[app_id] = [j for j in self.journeys.list(app_id) if _event_started(j)]
            return self.enter(journeys[app_id], record, now)

        return run

    def enter(
        self, journeys: list[dict[str, Any]], record: Mapping[str, Any], now: datetime
    ) -> dict[str, int]:
        counts: dict[str, int] = {}
        sent = message_event(record)
        if sent is not None:
            kept = self.record_event(record["application"]["app_id"], sent)
            counts["MessageEvents" if kept else "MessageEventsSeenBefore"] = 1
        own = (record.get("attributes") or {}).get("journey_id")
        wall = now.timestamp()
        for journey in journeys:
            condition = journey["StartCondition"]["EventStartCondition"]
            if journey["Id"] == own or journey.get("State") != "ACTIVE" or not entry_window(journey, wall):
                continue
            if not event_matches(condition.get("EventFilter") or {}, record):
                continue
            outcome = self._endpoint(journey, condition, record, now)
            if isinstance(outcome, str):
                counts[outcome] = counts.get(outcome, 0) + 1
                continue
            entered = self.entering.enter(journey, [outcome], wall, run_id(journey["Id"], 0))
            for reason, n in entered.items():
                if n:
                    counts[reason] = counts.get(reason, 0) + n
        return counts

    def _endpoint(
        self,
        journey: Mapping[str, Any],
        condition: Mapping[str, Any],
        record: Mapping[str, Any],
        now: datetime,
    ) -> str | Mapping[str, Any]:
        """The endpoint the event enters, or why it enters nobody."""
        stamp = int(record.get("event_timestamp") or record["arrival_timestamp"]) / 1000
        if now.timestamp() - stamp > MAX_EVENT_AGE.total_seconds():
            return "LATE"
        app_id = journey["ApplicationId"]
        endpoint_id = (record.get("client") or {}).get("client_id")
        endpoint = self.endpoint_of(app_id, endpoint_id) if endpoint_id else None
        if endpoint is None:
            return "NO_ENDPOINT"
        if condition.get("SegmentId"):
            try:
                member = self.membership(app_id, condition["SegmentId"])
            except NotFoundError:
                return "NO_SEGMENT"
            if not member(endpoint):
                return "NOT_IN_SEGMENT"
        return endpoint


def _event_started(journey: Mapping[str, Any]) -> bool:
    return bool((journey.get("StartCondition") or {}).get("EventStartCondition"))
