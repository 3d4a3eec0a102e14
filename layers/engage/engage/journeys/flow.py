"""The journey engine's use cases over ports: participants enter (from the entry segment's parts or
from events), are woken when due, and take their steps.

- Entering writes the participant with a conditional write (two entries of one participant never
  both win), after its first steps (Entering.first_steps, as deployed) or READY with a step message.
- Waking, at a minute some participant is due (a one-time schedule per journey and minute), puts
  the due participants' steps on the step queue and arms the wake of the next one due. For a
  cancelled journey it ends every participant still in it.
- Stepping performs a participant's step only if it is still the step the message names and the
  participant is due: a redelivered or duplicated step message does nothing. The sends are queued
  before the new state is written, keyed so that the ledger sends them once if the step is
  performed again after a failure; the state is written under a version condition.
- A paused journey's participants stay where they are; the journey's clock stands still, so waits
  are paused too. After a cancellation nobody takes another step. Past its schedule's end a
  journey is CLOSED (those in it go on), and COMPLETED once nobody is left.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from engage.errors import NotFoundError, ValidationError
from engage.journeys import local_time
from engage.journeys.conditions import Conditions, Membership, MessageEvent
from engage.journeys.engine import Advance, advance
from engage.journeys.metrics import JOURNEY, REFUSAL_METRICS, counter, summed
from engage.journeys.participants import (
    EXITED,
    WAITING,
    JourneyClock,
    Participant,
    entered,
    participant_key,
    refusal,
)

STEPS_PER_MESSAGE = 100  # participants named in one step message
RUNNING = ("ACTIVE",)  # participants enter
RUNNING_OR_CLOSED = ("ACTIVE", "CLOSED")  # participants in the journey take their steps
ENTRY_COUNTS = (
    "Entered",
    "IN_JOURNEY",
    "REENTRY_CAP",
    "REENTRY_INTERVAL",
    "NOT_ACTIVE",
    "OUTSIDE_SCHEDULE",
    "NO_TIMEZONE",
    "CONFLICT",
)


class ParticipantStore(Protocol):
    def get(self, app_id: str, journey_id: str, key: str) -> Participant | None: ...
    def put(
        self, app_id: str, journey_id: str, participant: Participant, counts: Mapping[str, int] | None = None
    ) -> bool:
        """Writes the participant if the stored one is still at `participant.version` (0: none is
        stored), and adds `counts` to its run's counters in the same transaction; False when
        another write won (and nothing is counted)."""
        ...

    def add_counts(self, app_id: str, journey_id: str, run: str, counts: Mapping[str, int]) -> None:
        """Counts what wrote no participant (an entry refused)."""
        ...

    def due(self, app_id: str, journey_id: str, until: float | None, limit: int) -> list[Participant]:
        """Participants in the journey due at or before `until` (None: all of them), at most `limit`."""
        ...

    def next_due(self, app_id: str, journey_id: str, after: float) -> float | None:
        """The earliest time after `after` a participant in the journey is due."""
        ...

    def all(self, app_id: str, journey_id: str) -> Iterator[Participant]: ...
    def clock(self, app_id: str, journey_id: str) -> JourneyClock: ...
    def set_clock(self, app_id: str, journey_id: str, clock: JourneyClock) -> None: ...
    def record_event(self, app_id: str, event: MessageEvent) -> bool:
        """Keeps an event of a journey's message (once: False if it was kept before) and counts a
        `_journey.send`'s outcome on its activity."""
        ...

    def events_of(self, app_id: str, journey_id: str, key: str, entry: int, activity_id: str) -> set[str]: ...
    def start_run(self, app_id: str, journey_id: str, run: str, wall: float) -> None:
        """Records the journey's run `run` as RUNNING (once: a run started again is left as it is)."""
        ...

    def runs(self, app_id: str, journey_id: str) -> list[dict[str, Any]]:
        """The journey's runs, oldest first (RunId, Status, CreationTime, LastUpdateTime)."""
        ...

    def end_runs(self, app_id: str, journey_id: str, status: str, wall: float) -> None:
        """Every run of the journey still running ends with `status` (COMPLETED or CANCELLED)."""
        ...


class Queue(Protocol):
    def enqueue(self, bodies: Sequence[str]) -> list[str | None]: ...


class Wakes(Protocol):
    def arm(self, app_id: str, journey_id: str, at: float) -> None:
        """The journey is woken at `at` (wall clock, epoch seconds; to the minute after it)."""
        ...


class Contacts(Protocol):
    def get(self, app_id: str, endpoint_id: str) -> Mapping[str, Any]: ...
    def get_user_endpoints(self, app_id: str, user: str) -> list[Mapping[str, Any]]: ...


class JourneyReader(Protocol):
    def get(self, app_id: str, journey_id: str) -> dict[str, Any]: ...


def step_bodies(app_id: str, journey_id: str, participants: Iterable[Participant]) -> list[str]:
    """Step messages naming each participant and the step it is due to take."""
    named = [[p.key, p.step] for p in participants]
    return [
        json.dumps(
            {
                "ApplicationId": app_id,
                "JourneyId": journey_id,
                "Participants": named[i : i + STEPS_PER_MESSAGE],
            },
            separators=(",", ":"),
        )
        for i in range(0, len(named), STEPS_PER_MESSAGE)
    ]


def past_end(journey: Mapping[str, Any], wall: float) -> bool:
    end = local_time.bound(journey, "EndTime")
    return end is not None and wall > end


def never_refreshes(journey: Mapping[str, Any]) -> bool:
    """A segment journey entered once: no RefreshFrequency, no RefreshOnSegmentUpdate."""
    start = journey.get("StartCondition") or {}
    return bool(start.get("SegmentStartCondition")) and not (
        journey.get("RefreshFrequency") or journey.get("RefreshOnSegmentUpdate")
    )


def entry_window(journey: Mapping[str, Any], wall: float) -> bool:
    """Whether participants may enter now: within the schedule's start and end (with `LocalTime`,
    from the earliest zone's start to the latest zone's end)."""
    start = local_time.bound(journey, "StartTime")
    if start is not None and wall < start:
        return False
    return not past_end(journey, wall)


@dataclass
class Entering:
    """With `first_steps`, a participant takes its first steps as it enters (one write instead of
    two, no step message): the sends are queued before the entry is written, keyed by the entry, so
    an entry retried after a failure sends them once."""

    participants: ParticipantStore
    steps: Queue
    first_steps: Stepping | None = None
    wakes: Wakes | None = None  # wakes participants whose local start is still to come (LocalTime)

    def enter(
        self, journey: Mapping[str, Any], endpoints: Iterable[Mapping[str, Any]], wall: float, run: str
    ) -> dict[str, int]:
        """Enters the participants these endpoints make, in the journey's run `run`; the counts of
        what each did."""
        counts = dict.fromkeys(ENTRY_COUNTS, 0)
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for endpoint in endpoints:
            groups.setdefault(participant_key(endpoint), []).append(endpoint)
        keys = list(groups)
        if journey.get("State") not in RUNNING:
            counts["NOT_ACTIVE"] = len(keys)
            return counts
        if not entry_window(journey, wall):
            counts["OUTSIDE_SCHEDULE"] = len(keys)
            return counts
        app_id, journey_id = journey["ApplicationId"], journey["Id"]
        clock = self.participants.clock(app_id, journey_id)
        ready, later = [], []
        for key in keys:
            current = self.participants.get(app_id, journey_id, key)
            starts = wall
            if local_time.local(journey):
                why, starts = _local_start(journey, groups[key], wall)
            else:
                why = None
            why = why or refusal(current, journey, wall)
            if why:
                counts[why] += 1
                continue
            participant = entered(key, current, journey, wall, clock.now(wall) + (starts - wall), run)
            entry = {counter(JOURNEY, "ENDPOINT_ENTERED"): 1}
            if starts > wall:  # its local start is still to come: it waits for it
                participant = replace(participant, status=WAITING)
                written = self.participants.put(app_id, journey_id, participant, entry)
                if written:
                    later.append(starts)
            elif self.first_steps is not None:
                moved = self.first_steps.perform(journey, clock, participant, wall)
                written = self.first_steps.settle(journey, clock, moved, entry)
            else:
                written = self.participants.put(app_id, journey_id, participant, entry)
                if written:
                    ready.append(participant)
            if not written:
                counts["CONFLICT"] += 1  # entered at the same moment by another event or part
                continue
            counts["Entered"] += 1
        if later and self.wakes is not None:
            self.wakes.arm(app_id, journey_id, min(later))
        refused = {counter(JOURNEY, REFUSAL_METRICS[k]): counts[k] for k in REFUSAL_METRICS if counts[k]}
        if refused:
            self.participants.add_counts(app_id, journey_id, run, refused)
        if ready:
            queued = self.steps.enqueue(step_bodies(app_id, journey_id, ready))
            if not all(queued):  # its wake takes it (READY participants are due), never lost
                raise NotQueuedError(
                    f"{queued.count(None)} step message(s) of journey {journey_id} were refused"
                )
        return counts


def _local_start(
    journey: Mapping[str, Any], endpoints: list[Mapping[str, Any]], wall: float
) -> tuple[str | None, float]:
    """With `LocalTime`: why the participant can't enter (None: it may), and when it starts."""
    zone = local_time.zone_for(journey, endpoints)
    if zone is None:
        return "NO_TIMEZONE", wall
    end = local_time.local_bound(journey, "EndTime", zone)
    if end is not None and wall > end:
        return "OUTSIDE_SCHEDULE", wall
    start = local_time.local_bound(journey, "StartTime", zone)
    return None, max(wall, start or wall)


class NotQueuedError(Exception):
    """The step queue refused a message: the participants stay READY and are woken later."""


@dataclass
class Waking:
    journeys: JourneyReader
    participants: ParticipantStore
    steps: Queue
    wakes: Wakes
    # Starts the segment entry once it is due (engage.journeys.launch.Launcher.start_entry).
    start_entry: Callable[[Mapping[str, Any], float], bool] = lambda _journey, _wall: False
    # Moves the journey to a state only the system sets, CLOSED or COMPLETED (Journeys.settle).
    settle: Callable[[Mapping[str, Any], str], None] = lambda _journey, _state: None
    # Enters an imported segment's new version (engage.journeys.launch.Launcher.watch_segment).
    watch_segment: Callable[[Mapping[str, Any], float], bool] = lambda _journey, _wall: False
    most: int = 100_000  # participants queued per wake; the rest at the next minute

    def wake(
        self, app_id: str, journey_id: str, wall: float, entry_done: str | None = None
    ) -> dict[str, int]:
        """Queues the due participants' steps and arms the next wake. `entry_done` (a run id) when
        the entry workflow finished a segment entry: a journey that never refreshes is CLOSED then,
        as Pinpoint closed one "past its scheduled start time" without a refresh frequency."""
        try:
            journey = self.journeys.get(app_id, journey_id)
        except NotFoundError:
            return {"Gone": 1}
        state = journey.get("State")
        if state == "CANCELLED":
            return {"Exited": self._end_all(app_id, journey_id)}
        if state not in RUNNING_OR_CLOSED:  # paused: resuming arms a wake
            return {"Queued": 0}
        if state == "ACTIVE" and (past_end(journey, wall) or (entry_done and never_refreshes(journey))):
            self.settle(journey, "CLOSED")  # nobody new enters; those in go on
            state = "CLOSED"
        if state == "ACTIVE":
            self.start_entry(journey, wall)  # a segment journey whose start (or refresh) has come
            self.watch_segment(journey, wall)
        clock = self.participants.clock(app_id, journey_id)
        until = clock.now(wall)
        due = self.participants.due(app_id, journey_id, until, self.most)
        if due:
            queued = self.steps.enqueue(step_bodies(app_id, journey_id, due))
            if not all(queued):
                raise NotQueuedError(
                    f"{queued.count(None)} step message(s) of journey {journey_id} were refused"
                )
        later = self.participants.next_due(app_id, journey_id, after=until)
        if len(due) >= self.most:
            self.wakes.arm(app_id, journey_id, wall + 60)  # what is left, at the next minute
        elif later is not None:
            self.wakes.arm(app_id, journey_id, clock.wall(later))
        if state == "CLOSED":
            if due:  # look again once these steps are taken
                self.wakes.arm(app_id, journey_id, wall + 60)
            elif not self.participants.due(app_id, journey_id, None, 1):
                self.settle(journey, "COMPLETED")  # everyone entered has finished
                self.participants.end_runs(app_id, journey_id, "COMPLETED", wall)
                return {"Queued": 0, "Completed": 1}
        return {"Queued": len(due)}

    def _end_all(self, app_id: str, journey_id: str) -> int:
        """Ends every participant still in a cancelled journey (each at most once per wake)."""
        ended = 0
        for participant in self.participants.due(app_id, journey_id, None, self.most):
            ended += int(cancel(self.participants, app_id, journey_id, participant))
        return ended


def cancel(participants: ParticipantStore, app_id: str, journey_id: str, participant: Participant) -> bool:
    """Ends a participant of a cancelled journey, counted as CANCELLED (and no longer waiting)."""
    exited = replace(participant, status=EXITED, due_at=None, reason="CANCELLED")
    counts = {counter(JOURNEY, "CANCELLED"): 1}
    if participant.status == "WAITING" and participant.waited:
        counts[counter(participant.waited, "WAITING")] = -1
    return participants.put(app_id, journey_id, exited, counts)


def _no_segments(app_id: str, segment_id: str) -> Callable[[Mapping[str, Any]], bool]:
    raise NotFoundError(f"segment {segment_id} can't be read here")


@dataclass
class Stepping:
    journeys: JourneyReader
    participants: ParticipantStore
    contacts: Contacts
    sends: Queue
    wakes: Wakes
    settings: Callable[[str], Mapping[str, Any]] = lambda _app_id: {}
    membership: Membership = _no_segments

    def step(self, message: Mapping[str, Any], wall: float) -> dict[str, int]:
        """Performs the steps one step message names; counts by outcome."""
        app_id, journey_id = _ids(message)
        counts: dict[str, int] = {}
        try:
            journey = self.journeys.get(app_id, journey_id)
        except NotFoundError:
            return {"JOURNEY_GONE": len(message.get("Participants") or [])}
        clock = self.participants.clock(app_id, journey_id)
        for key, step in message.get("Participants") or []:
            outcome = self._one(journey, clock, str(key), int(step), wall)
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    def _one(self, journey: Mapping[str, Any], clock: JourneyClock, key: str, step: int, wall: float) -> str:
        app_id, journey_id = journey["ApplicationId"], journey["Id"]
        participant = self.participants.get(app_id, journey_id, key)
        if participant is None or participant.step != step or not participant.in_journey:
            return "STALE"  # a duplicate or an older message: that step was taken
        if journey.get("State") == "CANCELLED":
            cancel(self.participants, app_id, journey_id, participant)
            return "CANCELLED"
        if journey.get("State") not in RUNNING_OR_CLOSED or (participant.due_at or 0) > clock.now(wall):
            return "NOT_DUE"  # paused, or woken early: its wake comes
        moved = self.perform(journey, clock, participant, wall)
        if not self.settle(journey, clock, moved):
            return "CONFLICT"  # another delivery took this step; its sends are the same ones
        return moved.participant.reason or moved.participant.status

    def perform(
        self, journey: Mapping[str, Any], clock: JourneyClock, participant: Participant, wall: float
    ) -> Advance:
        """The participant's activities from where it is, its sends queued; its new state and counts
        (not yet written)."""
        app_id = journey["ApplicationId"]
        endpoints = self._endpoints(app_id, participant)
        judge = Conditions(app_id, journey["Id"], self.membership, self.participants.events_of)
        moved = advance(journey, participant, endpoints, clock, wall, self.settings(app_id), judge)
        if moved.sends:
            queued = self.sends.enqueue([s.to_body() for s in moved.sends])
            if not all(queued):
                raise NotQueuedError(f"{queued.count(None)} send(s) of journey {journey['Id']} were refused")
        return moved

    def settle(
        self,
        journey: Mapping[str, Any],
        clock: JourneyClock,
        moved: Advance,
        also: Mapping[str, int] | None = None,
    ) -> bool:
        """Writes the participant's new state with its counts (and `also`'s), False when another
        write won; arms its wake."""
        app_id, journey_id = journey["ApplicationId"], journey["Id"]
        participant = moved.participant
        if not self.participants.put(app_id, journey_id, participant, summed([moved.counts, also or {}])):
            return False
        if participant.status == "WAITING" and participant.due_at is not None:
            self.wakes.arm(app_id, journey_id, clock.wall(participant.due_at))
        return True

    def _endpoints(self, app_id: str, participant: Participant) -> list[Mapping[str, Any]]:
        if participant.user_id is not None:
            return list(self.contacts.get_user_endpoints(app_id, participant.user_id))
        try:
            return [self.contacts.get(app_id, str(participant.endpoint_id))]
        except NotFoundError:
            return []


def _ids(message: Mapping[str, Any]) -> tuple[str, str]:
    app_id, journey_id = message.get("ApplicationId"), message.get("JourneyId")
    if not isinstance(app_id, str) or not isinstance(journey_id, str):
        raise ValidationError("JourneyId", "a step message names its ApplicationId and JourneyId")
    return app_id, journey_id


def minute_after(wall: float) -> datetime:
    """The minute a wake at `wall` fires at: the first whole minute at or after it."""
    return datetime.fromtimestamp(math.ceil(wall / 60) * 60, UTC)
