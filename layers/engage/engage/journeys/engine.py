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
- The activity types part 2 builds (splits, holdout, push, custom, contact center) end the
  participant's journey with the reason UNSUPPORTED_ACTIVITY, counted, never silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from engage.journeys.model import ACTIVITY_TYPES, duration, instant
from engage.journeys.participants import DONE, EXITED, READY, WAITING, JourneyClock, Participant
from engage.sending.quiet_time import HOLD, SKIP
from engage.sending.request import SendRequest

MESSAGE_ACTIVITIES = {"EMAIL": "EMAIL", "SMS": "SMS"}  # activity type: endpoint channel
MESSAGE_OPTIONS = {  # an activity's MessageConfig members the send request carries
    "EMAIL": ("FromAddress",),
    "SMS": ("MessageType", "OriginationNumber"),
}
PERFORMED = ("Wait", *MESSAGE_ACTIVITIES)


@dataclass(frozen=True)
class Advance:
    participant: Participant
    sends: list[SendRequest] = field(default_factory=list)
    performed: list[str] = field(default_factory=list)  # the activities performed, in order
    skipped: dict[str, int] = field(default_factory=dict)  # why an activity sent nothing, by reason


def kind_of(activity: Mapping[str, Any]) -> str:
    return next((kind for kind in ACTIVITY_TYPES if activity.get(kind)), "")


def advance(
    journey: Mapping[str, Any],
    participant: Participant,
    endpoints: Sequence[Mapping[str, Any]],
    clock: JourneyClock,
    wall: float,
    settings: Mapping[str, Any] | None = None,
) -> Advance:
    """The participant's next state and the sends it queues. `endpoints`: the participant's own
    (one, or the user's); `settings`: its application's (default quiet time, daily cap)."""
    activities = journey.get("Activities") or {}
    now = clock.now(wall)
    sends: list[SendRequest] = []
    performed: list[str] = []
    skipped: dict[str, int] = {}
    current = participant
    for _ in range(len(activities) + 1):  # a published journey has no cycle: this bounds a bad one
        activity_id = current.activity
        if activity_id is None:
            return Advance(_finished(current, DONE), sends, performed, skipped)
        activity = activities.get(activity_id)
        kind = kind_of(activity or {})
        if kind not in PERFORMED:
            return Advance(_finished(current, EXITED, "UNSUPPORTED_ACTIVITY"), sends, performed, skipped)
        part = activity[kind]
        if kind == "Wait":
            due = wait_end(part, current, clock, now)
            if due > now:
                waiting = replace(current, status=WAITING, due_at=due, activity=part.get("NextActivity"))
                return Advance(replace(waiting, step=current.step + 1), sends, performed, skipped)
        else:
            mine = [e for e in endpoints if e.get("ChannelType") == MESSAGE_ACTIVITIES[kind]]
            if not mine:
                skipped["NO_ENDPOINT_FOR_CHANNEL"] = skipped.get("NO_ENDPOINT_FOR_CHANNEL", 0) + 1
            sends.extend(message(journey, activity_id, kind, part, current, e, settings or {}) for e in mine)
        performed.append(activity_id)
        current = replace(
            current, activity=part.get("NextActivity"), step=current.step + 1, status=READY, due_at=now
        )
    return Advance(_finished(current, EXITED, "CYCLE"), sends, performed, skipped)


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
    content: dict[str, Any] = {"TemplateName": part["TemplateName"]}
    if part.get("TemplateVersion"):
        content["TemplateVersion"] = str(part["TemplateVersion"])
    config = part.get("MessageConfig") or {}
    content.update({k: config[k] for k in MESSAGE_OPTIONS[kind] if config.get(k)})
    quiet = journey.get("QuietTime") or settings.get("QuietTime") or None
    if quiet and not (quiet.get("Start") and quiet.get("End")):
        quiet = None
    daily = (settings.get("Limits") or {}).get("Daily")
    rate = (journey.get("Limits") or {}).get("MessagesPerSecond")
    return SendRequest(
        app_id=journey["ApplicationId"],
        request_id=journey["Id"],
        channel=MESSAGE_ACTIVITIES[kind],
        message=content,
        endpoint_id=endpoint["Id"],
        activity_id=f"{activity_id}-{participant.entries}",
        context={
            "journey_id": journey["Id"],
            "journey_activity_id": activity_id,
            "journey_run_id": f"{participant.key}-{participant.entries}",
        },
        max_rate=rate or None,
        quiet_time=quiet,
        quiet_time_action=HOLD if journey.get("WaitForQuietTime") else SKIP,
        caps={"AppDaily": int(daily)} if daily else {},
    )


def _finished(participant: Participant, status: str, reason: str | None = None) -> Participant:
    return replace(participant, status=status, due_at=None, reason=reason)
