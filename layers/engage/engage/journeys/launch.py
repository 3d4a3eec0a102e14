"""What a journey's state change sets going: publishing starts the segment entry (now, or at the
schedule's start through a wake, and again every `RefreshFrequency`), pausing stops the journey's
clock, resuming restarts it and wakes the journey, cancelling wakes it to end everyone still in
it. A journey that refreshes on segment update enters a new version of its segment as UpdateSegment
makes it; an imported segment's new version comes from an import finishing instead, so the journey
looks at its segment every `WATCH_SECONDS` (`watch_segment`) and enters a version it has not."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage.journeys import local_time
from engage.journeys.entry import entry_name, segment_of
from engage.journeys.flow import ParticipantStore, Wakes
from engage.journeys.metrics import run_id
from engage.journeys.model import duration, instant

WATCH_SECONDS = 900.0  # how often a journey refreshing on segment update looks at an imported segment


class Starter(Protocol):
    def start(self, name: str, document: dict[str, Any]) -> bool: ...


@dataclass
class Launcher:
    participants: ParticipantStore
    entry_workflow: Starter
    wakes: Wakes
    clock: Callable[[], float]

    def changed(self, before: str | None, journey: Mapping[str, Any]) -> None:
        after, wall = journey["State"], self.clock()
        app_id, journey_id = journey["ApplicationId"], journey["Id"]
        if after == "ACTIVE" and before in (None, "DRAFT"):
            if not segment_of(journey):  # an event-triggered journey: one run, from its publishing
                self.participants.start_run(app_id, journey_id, run_id(journey_id, 0), wall)
            self.start_entry(journey, wall)
            if journey.get("RefreshOnSegmentUpdate") and segment_of(journey):
                self.wakes.arm(app_id, journey_id, wall + WATCH_SECONDS)  # its first look at the segment
            end = local_time.bound(journey, "EndTime")
            if end is not None:  # the wake that closes it
                self.wakes.arm(app_id, journey_id, end)
        elif after == "PAUSED" and before == "ACTIVE":
            clock = self.participants.clock(app_id, journey_id)
            self.participants.set_clock(app_id, journey_id, clock.paused(wall))
        elif after == "ACTIVE" and before == "PAUSED":
            clock = self.participants.clock(app_id, journey_id)
            self.participants.set_clock(app_id, journey_id, clock.resumed(wall))
            self.wakes.arm(app_id, journey_id, wall)
        elif after == "CANCELLED" and before in ("ACTIVE", "PAUSED", "CLOSED"):
            self.participants.end_runs(app_id, journey_id, "CANCELLED", wall)
            self.wakes.arm(app_id, journey_id, wall)

    def segment_changed(self, segment: Mapping[str, Any], journeys: Iterable[Mapping[str, Any]]) -> int:
        """`RefreshOnSegmentUpdate`: a new version of a running journey's entry segment starts an
        entry of its own (a run), so the endpoints that qualify now enter. How many started."""
        started = 0
        for journey in journeys:
            if (
                journey.get("State") == "ACTIVE"
                and journey.get("RefreshOnSegmentUpdate")
                and segment_of(journey) == segment["Id"]
            ):
                started += self.start_entry(journey, self.clock(), f"v{segment['Version']}")
        return started

    def watch_segment(
        self, journey: Mapping[str, Any], segment: Mapping[str, Any] | None, wall: float
    ) -> bool:
        """For a journey refreshing on update of an imported segment: enters the segment's current
        version when the journey has not (a version defined after its first run began), and looks
        again in WATCH_SECONDS while the journey runs. True when an entry started."""
        if not (journey.get("RefreshOnSegmentUpdate") and segment and segment.get("SegmentType") == "IMPORT"):
            return False
        app_id, journey_id = journey["ApplicationId"], journey["Id"]
        end = local_time.bound(journey, "EndTime")
        if end is None or wall + WATCH_SECONDS <= end:
            self.wakes.arm(app_id, journey_id, wall + WATCH_SECONDS)
        runs = self.participants.runs(app_id, journey_id)
        slot = f"v{segment['Version']}"
        if not runs or run_id(journey_id, slot) in {r["RunId"] for r in runs}:
            return False
        defined = instant(segment.get("LastModifiedDate") or segment["CreationDate"], "LastModifiedDate")
        if defined <= instant(runs[0]["CreationTime"], "CreationTime"):
            return False  # the version its first run entered
        return self.start_entry(journey, wall, slot)

    def start_entry(self, journey: Mapping[str, Any], wall: float, slot: str | None = None) -> bool:
        """Starts the segment entry if it is due (once per journey, once per refresh period with
        `RefreshFrequency`, and once per `slot` named: newly qualifying endpoints enter a running
        journey); wakes the journey at its start and at its next refresh. False when nothing
        started now."""
        if not segment_of(journey):
            return False
        app_id, journey_id = journey["ApplicationId"], journey["Id"]
        begins = (
            local_time.bound(journey, "StartTime")
            or instant(journey["CreationDate"], "CreationDate").timestamp()
        )
        if begins > wall:
            self.wakes.arm(app_id, journey_id, begins)
            return False
        if slot is not None:
            return self._start(journey, slot, wall)
        period_slot = 0
        if journey.get("RefreshFrequency"):
            period = max(60.0, duration(journey["RefreshFrequency"], "RefreshFrequency").total_seconds())
            period_slot = int((wall - begins) // period)
            refresh = begins + (period_slot + 1) * period
            end = local_time.bound(journey, "EndTime")
            if end is None or refresh <= end:
                self.wakes.arm(app_id, journey_id, refresh)
        return self._start(journey, str(period_slot), wall)

    def _start(self, journey: Mapping[str, Any], slot: str, wall: float) -> bool:
        app_id, journey_id = journey["ApplicationId"], journey["Id"]
        name = entry_name(journey) + (f"-{slot}" if slot != "0" else "")
        run = run_id(journey_id, slot)
        self.participants.start_run(app_id, journey_id, run, wall)
        document = {"ApplicationId": app_id, "JourneyId": journey_id, "RunId": run}
        return self.entry_workflow.start(name, document)
