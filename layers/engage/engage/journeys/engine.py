"""One participant's progress through a journey, from the activity it is due at: each activity
performed once, until a wait that has not ended, the journey's end, or an activity this version
does not perform.

- EMAIL and SMS send the activity's template to each of the participant's endpoints on that channel
  (a user's endpoints together), through the one send path: the send request is queued, and the
  sender checks consent, suppression, quiet time and caps when it goes out and archives it. Each
  send is keyed (journey, activity and entry, endpoint), so a step performed again after a
  redelivery queues the same sends, which the ledger sends once, and a participant that re-enters
  is sent the message of its new entry.
- Wait ends after `WaitFor` (an ISO 8601 duration) or at `WaitUntil`, on the journey's clock: a
  paused journey's waits stand still. A wait that has already ended moves on at once.
- PUSH sends to the participant's push endpoints (the surviving Pinpoint push API's channels),
  CUSTOM to the endpoints of the types it lists through custom delivery (a Lambda function or a
  signed webhook), both through the same send path.
- Holdout removes its percentage of participants from the journey and RandomSplit sends each
  participant down one branch by its percentage, both stable per participant (a hash of the
  participant and the activity, as campaign treatments are stable per endpoint).
- ConditionalSplit (its conditions ALL or ANY) and MultiCondition (the first branch whose condition
  holds, else the default) first serve their `EvaluationWaitTime`, then judge each condition on the
  participant's endpoints: a segment's membership, segment dimensions, or the events of the message
  an earlier activity sent it.
- ContactCenter queues a call to each of the participant's phone endpoints (SMS or VOICE) in the
  journey's Amazon Connect outbound campaign (`JourneyChannelSettings`), through the same send path
  as a message: consent, suppression, quiet time, the VOICE channel's open hours, caps.
- An activity of a kind this version does not know ends the participant's journey with the reason
  UNSUPPORTED_ACTIVITY, counted, never silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from engage.addresses import PUSH_CHANNELS
from engage.journeys.metrics import JOURNEY, counter
from engage.journeys.model import ACTIVITY_TYPES, duration, instant
from engage.journeys.participants import (
    DONE,
    EXITED,
    PARTICIPANT_TAG,
    READY,
    WAITING,
    JourneyClock,
    Participant,
    participant_tag,
)
from engage.sending.contact_center import PHONE_CHANNELS
from engage.sending.quiet_time import HOLD, SKIP
from engage.sending.request import CONTACT_CENTER_FIELDS, SendRequest

MESSAGE_ACTIVITIES = {
    "EMAIL": "EMAIL",
    "SMS": "SMS",
    "PUSH": "PUSH",
    "CUSTOM": "CUSTOM",
    "ContactCenter": "CONTACT_CENTER",
}  # the send's channel
MESSAGE_OPTIONS = {  # an activity's MessageConfig members the send request carries
    "EMAIL": ("FromAddress",),
    "SMS": ("MessageType", "OriginationNumber"),
    "PUSH": (),
    "CUSTOM": (),
    "ContactCenter": (),
}
SCHEDULE_CHANNEL = {"CONTACT_CENTER": "VOICE"}  # OpenHours and ClosedDays have no contact center: a call
SPLITS = ("Holdout", "RandomSplit", "ConditionalSplit", "MultiCondition")
PERFORMED = ("Wait", *MESSAGE_ACTIVITIES, *SPLITS)


class Judge(Protocol):
    def holds(
        self, condition: Mapping[str, Any], participant: Participant, endpoints: Sequence[Mapping[str, Any]]
    ) -> bool:
        """Whether a SimpleCondition (SegmentCondition, SegmentDimensions or EventCondition) holds."""
        ...


class NoJudge:
    """Where nothing can be read to judge a condition: every condition is false."""

    def holds(
        self, condition: Mapping[str, Any], participant: Participant, endpoints: Sequence[Mapping[str, Any]]
    ) -> bool:
        return False


@dataclass(frozen=True)
class Advance:
    participant: Participant
    sends: list[SendRequest] = field(default_factory=list)
    performed: list[str] = field(default_factory=list)  # the activities performed, in order
    counts: dict[str, int] = field(default_factory=dict)  # engage.journeys.metrics counters


class _Counts(dict[str, int]):
    def add(self, scope: str, metric: str, n: int = 1) -> None:
        name = counter(scope, metric)
        self[name] = self.get(name, 0) + n


def kind_of(activity: Mapping[str, Any]) -> str:
    return next((kind for kind in ACTIVITY_TYPES if activity.get(kind) is not None), "")


def advance(
    journey: Mapping[str, Any],
    participant: Participant,
    endpoints: Sequence[Mapping[str, Any]],
    clock: JourneyClock,
    wall: float,
    settings: Mapping[str, Any] | None = None,
    judge: Judge | None = None,
) -> Advance:
    """The participant's next state and the sends it queues. `endpoints`: the participant's own
    (one, or the user's); `settings`: its application's (default quiet time, daily cap); `judge`:
    what the splits' conditions are judged by."""
    judge = judge or NoJudge()
    activities = journey.get("Activities") or {}
    now = clock.now(wall)
    sends: list[SendRequest] = []
    performed: list[str] = []
    counts = _Counts()
    current = participant
    if current.status == WAITING and current.waited:  # a wait (or a split's evaluation wait) ended
        counts.add(current.waited, "WAITING", -1)
        if kind_of(activities.get(current.waited) or {}) == "Wait":
            counts.add(current.waited, "WAIT_COMPLETED")
            current = replace(current, waited=None)

    def done(moved: Participant) -> Advance:
        if not moved.in_journey:
            counts.add(JOURNEY, "ENDPOINT_LEFT")
        return Advance(moved, sends, performed, dict(counts))

    for _ in range(len(activities) + 1):  # a published journey has no cycle: this bounds a bad one
        activity_id = current.activity
        if activity_id is None:
            return done(_finished(current, DONE))
        activity = activities.get(activity_id)
        kind = kind_of(activity or {})
        if kind not in PERFORMED:
            counts.add(activity_id, "TOTAL")
            counts.add(activity_id, "UNSUPPORTED_ACTIVITY")
            return done(_finished(current, EXITED, "UNSUPPORTED_ACTIVITY"))
        part = activity[kind]
        following = part.get("NextActivity")
        if kind == "Wait":
            counts.add(activity_id, "TOTAL")
            due = wait_end(part, current, clock, now)
            if due > now:
                counts.add(activity_id, "WAITING")
                waiting = replace(current, status=WAITING, due_at=due, activity=following, waited=activity_id)
                return done(replace(waiting, step=current.step + 1))
            counts.add(activity_id, "WAIT_DATE_PASSED")
        elif kind in ("ConditionalSplit", "MultiCondition"):
            evaluation = part.get("EvaluationWaitTime")
            if evaluation and current.waited != activity_id:
                due = wait_end({"WaitTime": evaluation}, current, clock, now)
                if due > now:  # its conditions are judged when the evaluation wait ends
                    counts.add(activity_id, "WAITING")
                    waiting = replace(current, status=WAITING, due_at=due, waited=activity_id)
                    return done(replace(waiting, step=current.step + 1))
            path = split_path(kind, part, current, endpoints, judge)
            following = next_of(kind, part, path)
            counts.add(activity_id, "TOTAL")
            counts.add(activity_id, f"Branch_{path}")
        elif kind == "Holdout":
            counts.add(activity_id, "TOTAL")
            if bucket(current.key, activity_id) < int(part.get("Percentage") or 0):
                counts.add(activity_id, "HOLDOUT")
                performed.append(activity_id)
                held = replace(current, step=current.step + 1)
                return done(_finished(held, EXITED, "HOLDOUT"))
        elif kind == "RandomSplit":
            path = random_path(part, bucket(current.key, activity_id))
            following = next_of(kind, part, path)
            counts.add(activity_id, "TOTAL")
            if path:
                counts.add(activity_id, f"Branch_{path}")
        else:
            counts.add(activity_id, "TOTAL")
            mine = [e for e in endpoints if reaches(kind, part, e)]  # none: nothing to send here
            if not mine:
                counts.add(activity_id, "UNSUPPORTED_CHANNEL")
            sends.extend(message(journey, activity_id, kind, part, current, e, settings or {}) for e in mine)
        performed.append(activity_id)
        current = replace(
            current, activity=following, step=current.step + 1, status=READY, due_at=now, waited=None
        )
    return done(_finished(current, EXITED, "CYCLE"))


def reaches(kind: str, part: Mapping[str, Any], endpoint: Mapping[str, Any]) -> bool:
    """Whether a message activity sends to this endpoint: its channel's, any push platform's for
    PUSH, the types a CUSTOM activity lists (every type when it lists none)."""
    channel = endpoint.get("ChannelType")
    if kind == "PUSH":
        return channel in PUSH_CHANNELS
    if kind == "CUSTOM":
        types = part.get("EndpointTypes") or []
        return not types or channel in types
    if kind == "ContactCenter":
        return channel in PHONE_CHANNELS
    return channel == MESSAGE_ACTIVITIES[kind]


def bucket(participant_key: str, activity_id: str) -> int:
    """0 to 99, the same for a participant at an activity every time it is asked."""
    digest = hashlib.sha256(f"{participant_key}\0{activity_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def random_path(part: Mapping[str, Any], drawn: int) -> int:
    """The path (1 for the first branch) a participant drawn at `drawn` takes; 0 past the branches'
    percentages (the journey ends there)."""
    upto = 0
    for path, branch in enumerate(part.get("Branches") or [], start=1):
        upto += int(branch.get("Percentage") or 0)
        if drawn < upto:
            return path
    return 0


def split_path(
    kind: str,
    part: Mapping[str, Any],
    participant: Participant,
    endpoints: Sequence[Mapping[str, Any]],
    judge: Judge,
) -> int:
    """The path a split sends the participant down: a yes/no split's 1 (yes) or 2 (no); a
    multivariate split's first branch whose condition holds, else its default path (the last)."""
    if kind == "ConditionalSplit":
        condition = part.get("Condition") or {}
        held = [judge.holds(c, participant, endpoints) for c in condition.get("Conditions") or []]
        truth = any(held) if condition.get("Operator") == "ANY" else bool(held) and all(held)
        return 1 if truth else 2
    branches = part.get("Branches") or []
    for path, branch in enumerate(branches, start=1):
        if judge.holds(branch.get("Condition") or {}, participant, endpoints):
            return path
    return len(branches) + 1


def next_of(kind: str, part: Mapping[str, Any], path: int) -> str | None:
    """The activity a split's path leads to (None: the journey ends there)."""
    if kind == "ConditionalSplit":
        return part.get("TrueActivity") if path == 1 else part.get("FalseActivity")
    branches = part.get("Branches") or []
    if 1 <= path <= len(branches):
        return branches[path - 1].get("NextActivity")
    return part.get("DefaultActivity") if kind == "MultiCondition" and path else None


def wait_end(part: Mapping[str, Any], participant: Participant, clock: JourneyClock, now: float) -> float:
    """When a wait the participant starts now ends, on the journey's clock."""
    wait = part.get("WaitTime") or {}
    if wait.get("WaitFor"):
        return now + duration(wait["WaitFor"], "WaitTime.WaitFor").total_seconds()
    if wait.get("WaitUntil"):
        until = instant(wait["WaitUntil"], "WaitTime.WaitUntil").timestamp()
        return until - clock.paused_seconds  # the wall-clock moment, as the journey's clock reads it
    return now


def message(
    journey: Mapping[str, Any],
    activity_id: str,
    kind: str,
    part: Mapping[str, Any],
    participant: Participant,
    endpoint: Mapping[str, Any],
    settings: Mapping[str, Any],
) -> SendRequest:
    """The send of a message activity to one endpoint: its template, its MessageConfig, the
    journey's quiet time (or its application's) and the application's daily cap."""
    config = part.get("MessageConfig") or {}
    if kind == "CUSTOM":
        content: dict[str, Any] = {"DeliveryUri": part["DeliveryUri"], "Data": str(config.get("Data", ""))}
    elif kind == "ContactCenter":
        channel_settings = journey.get("JourneyChannelSettings") or {}
        content = {k: str(channel_settings.get(k) or "") for k in CONTACT_CENTER_FIELDS}
    else:
        content = {"TemplateName": part["TemplateName"]}
        if part.get("TemplateVersion"):
            content["TemplateVersion"] = str(part["TemplateVersion"])
        content.update({k: config[k] for k in MESSAGE_OPTIONS[kind] if config.get(k)})
    quiet = journey.get("QuietTime") or settings.get("QuietTime") or None
    if quiet and not (quiet.get("Start") and quiet.get("End")):
        quiet = None
    limits = journey.get("Limits") or {}
    return SendRequest(
        app_id=journey["ApplicationId"],
        request_id=journey["Id"],
        channel=MESSAGE_ACTIVITIES[kind],
        message=content,
        endpoint_id=endpoint["Id"],
        activity_id=f"{activity_id}-{participant.entries}",
        context=journey_tags(journey["Id"], activity_id, kind, participant),
        quiet_time=quiet,
        quiet_time_action=HOLD if journey.get("WaitForQuietTime") else SKIP,
        caps=journey_caps(limits, settings.get("JourneyLimits") or {}),
        **sending_schedule(
            journey, SCHEDULE_CHANNEL.get(MESSAGE_ACTIVITIES[kind], MESSAGE_ACTIVITIES[kind]), quiet
        ),
        max_rate=limits.get("MessagesPerSecond") or None,
    )


def sending_schedule(journey: Mapping[str, Any], channel: str, quiet: Any) -> dict[str, Any]:
    """The channel's OpenHours and ClosedDays, which apply "only with SendingSchedule and quiet
    time set" (Pinpoint), and the zone estimation methods."""
    schedule: dict[str, Any] = {"zone_estimation": tuple(journey.get("TimezoneEstimationMethods") or ())}
    if journey.get("SendingSchedule") and quiet:
        schedule["open_hours"] = (journey.get("OpenHours") or {}).get(channel) or None
        schedule["closed_days"] = (journey.get("ClosedDays") or {}).get(channel) or None
    return schedule


def journey_caps(limits: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, int]:
    """A journey send's caps (engage.sending.caps): the journey's `Limits` (DailyCap, TotalCap,
    TimeframeCap), its application's `JourneyLimits` across all journeys (DailyCap, TimeframeCap),
    and the application's TotalCap for a journey that sets none. 0: no cap, as in Pinpoint."""
    own = limits.get("TimeframeCap") or {}
    every = defaults.get("TimeframeCap") or {}
    caps = {
        "Daily": limits.get("DailyCap"),
        "Total": limits.get("TotalCap") if limits.get("TotalCap") is not None else defaults.get("TotalCap"),
        "Timeframe": own.get("Cap"),
        "TimeframeDays": own.get("Days"),
        "JourneysDaily": defaults.get("DailyCap"),
        "JourneysTimeframe": every.get("Cap"),
        "JourneysTimeframeDays": every.get("Days"),
    }
    return {name: int(cap) for name, cap in caps.items() if cap}


def journey_tags(journey_id: str, activity_id: str, kind: str, participant: Participant) -> dict[str, str]:
    """What a journey's send carries onto its events: Pinpoint's journey attributes, and the
    participant and its entry (this project's own, for the splits' event conditions)."""
    return {
        "journey_id": journey_id,
        "journey_activity_id": activity_id,
        "journey_activity_type": kind,
        "journey_run_id": participant.run,
        PARTICIPANT_TAG: participant_tag(participant.key, participant.entries),
    }


def _finished(participant: Participant, status: str, reason: str | None = None) -> Participant:
    return replace(participant, status=status, due_at=None, reason=reason)
