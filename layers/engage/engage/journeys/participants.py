"""A journey's participants as Pinpoint defined them, and the journey's own clock.

- When an endpoint of the entry segment (or of an entry event) carries a user id, the participant is
  that user: all of the user's endpoints progress together, and the user enters once. Otherwise the
  participant is the endpoint.
- Re-entry: `Limits.EndpointReentryCap` is how many times a participant may enter (0: any number;
  unset: once, as Pinpoint's journeys without re-entry), and `Limits.EndpointReentryInterval` how
  long after its last entry it may enter again. A participant still in the journey never re-enters.
- Every participant not finished is due at a time on the journey's clock: READY (due when it
  entered) or WAITING (due when its wait ends). The journey's clock is the wall clock less the time
  the journey spent paused, so pausing a journey pauses every wait ("For wait activities, wait time
  is paused when the journey is paused", Pinpoint's UpdateJourneyState).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from engage.journeys.model import duration

ENDPOINT, USER = "e#", "u#"
READY, WAITING, DONE, EXITED = "READY", "WAITING", "DONE", "EXITED"
IN_JOURNEY = (READY, WAITING)
# The attribute a journey's message events carry naming the participant and its entry, so an event
# condition judges the events of this entry's message (participant_tag).
PARTICIPANT_TAG = "journey_participant"


@dataclass(frozen=True)
class Participant:
    key: str  # e#<endpoint id> or u#<user id>
    activity: str | None  # the activity it performs when next due
    status: str  # READY, WAITING, DONE or EXITED
    step: int = 0  # activities performed since it entered: a step message names the one it expects
    entries: int = 1
    entered_at: float = 0.0  # wall clock, epoch seconds
    due_at: float | None = None  # journey clock, epoch seconds, while READY or WAITING
    version: int = 0  # the stored version this state was read at (0: never stored)
    reason: str | None = None  # why it left (EXITED), or why its last activity sent nothing
    waited: str | None = None  # the wait (or split's evaluation wait) it is serving or served
    run: str = ""  # the journey run it entered in (engage.journeys.metrics.run_id)

    @property
    def endpoint_id(self) -> str | None:
        return self.key[len(ENDPOINT) :] if self.key.startswith(ENDPOINT) else None

    @property
    def user_id(self) -> str | None:
        return self.key[len(USER) :] if self.key.startswith(USER) else None

    @property
    def in_journey(self) -> bool:
        return self.status in IN_JOURNEY

    def to_document(self) -> dict[str, Any]:
        """As `engage journeys participants` prints it."""
        document: dict[str, Any] = {
            "Participant": self.key,
            "Status": self.status,
            "Activity": self.activity,
            "Step": self.step,
            "Entries": self.entries,
        }
        if self.due_at is not None:
            document["DueAt"] = self.due_at
        if self.reason:
            document["Reason"] = self.reason
        return document


def participant_tag(key: str, entry: int) -> str:
    """`<participant key, base64url>.<entry>`: only letters, digits, `-`, `_` and `.`, which SES
    keeps unchanged in a message tag (it allows letters, digits, `_ - . @`), so the events of an
    email come back naming the participant exactly."""
    encoded = base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")
    return f"{encoded}.{entry}"


def read_participant_tag(value: str) -> tuple[str, int] | None:
    """(participant key, entry) from a participant tag; None when it is not one."""
    encoded, _, entry = value.rpartition(".")
    if not encoded or not entry.isdigit():
        return None
    try:
        key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return (key, int(entry)) if key.startswith((ENDPOINT, USER)) else None


def participant_key(endpoint: Mapping[str, Any]) -> str:
    user = (endpoint.get("User") or {}).get("UserId")
    return f"{USER}{user}" if user else f"{ENDPOINT}{endpoint['Id']}"


@dataclass(frozen=True)
class JourneyClock:
    """The journey's clock: the wall clock less the seconds the journey spent paused."""

    paused_seconds: float = 0.0
    paused_at: float | None = None  # wall clock, while paused

    def now(self, wall: float) -> float:
        stopped = wall - self.paused_at if self.paused_at is not None else 0.0
        return wall - self.paused_seconds - stopped

    def wall(self, journey_time: float) -> float:
        """When a time on the journey's clock comes on the wall clock, if the journey runs on."""
        return journey_time + self.paused_seconds

    def paused(self, wall: float) -> JourneyClock:
        return self if self.paused_at is not None else replace(self, paused_at=wall)

    def resumed(self, wall: float) -> JourneyClock:
        if self.paused_at is None:
            return self
        return JourneyClock(self.paused_seconds + max(0.0, wall - self.paused_at), None)


def reentry(journey: Mapping[str, Any]) -> tuple[int, float]:
    """(how many entries a participant may make, 0 for any number; seconds between entries)."""
    limits = journey.get("Limits") or {}
    cap = limits.get("EndpointReentryCap")
    interval = limits.get("EndpointReentryInterval")
    seconds = duration(interval, "Limits.EndpointReentryInterval").total_seconds() if interval else 0.0
    return (1 if cap is None else int(cap)), seconds


def refusal(current: Participant | None, journey: Mapping[str, Any], wall: float) -> str | None:
    """Why the participant can't enter now (None: it may)."""
    if current is None:
        return None
    if current.in_journey:
        return "IN_JOURNEY"
    cap, interval = reentry(journey)
    if cap and current.entries >= cap:
        return "REENTRY_CAP"
    if wall - current.entered_at < interval:
        return "REENTRY_INTERVAL"
    return None


def entered(
    key: str,
    current: Participant | None,
    journey: Mapping[str, Any],
    wall: float,
    journey_now: float,
    run: str = "",
) -> Participant:
    """The participant as it enters: READY at the start activity, due now."""
    return Participant(
        key=key,
        activity=journey.get("StartActivity"),
        status=READY,
        step=0,
        entries=(current.entries + 1) if current else 1,
        entered_at=wall,
        due_at=journey_now,
        version=current.version if current else 0,
        run=run,
    )
