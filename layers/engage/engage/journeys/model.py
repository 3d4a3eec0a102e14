"""Pinpoint's journeys as botocore's pinpoint model defines them: `WriteJourneyRequest` checked as
Pinpoint documented it and kept whole, answered as `JourneyResponse`, per application, with the
state rules of its API reference (DRAFT and ACTIVE are set by create and update, ACTIVE, PAUSED
and CANCELLED by UpdateJourneyState, COMPLETED and CLOSED by the system; an ACTIVE journey's
activities can't change; a CANCELLED journey can't change at all)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from engage.contacts.model import check_app_id, now_iso
from engage.errors import ConflictError, NotFoundError, ValidationError
from engage.roles import ROLE_ARN
from engage.sending.contact_center import CAMPAIGN_ARN
from engage.sending.sending_hours import ESTIMATION_METHODS, check_closed_days, check_open_hours

# WriteJourneyRequest's members (botocore's pinpoint model): every one is kept and returned.
WRITE_MEMBERS = frozenset(
    {
        "Activities", "CreationDate", "LastModifiedDate", "Limits", "LocalTime", "Name", "QuietTime",
        "RefreshFrequency", "Schedule", "StartActivity", "StartCondition", "State", "WaitForQuietTime",
        "RefreshOnSegmentUpdate", "JourneyChannelSettings", "SendingSchedule", "OpenHours", "ClosedDays",
        "TimezoneEstimationMethods",
    }
)  # fmt: skip
ACTIVITY_TYPES = (
    "CUSTOM", "ConditionalSplit", "EMAIL", "Holdout", "MultiCondition", "PUSH", "RandomSplit", "SMS",
    "Wait", "ContactCenter",
)  # fmt: skip
STATES = ("DRAFT", "ACTIVE", "PAUSED", "COMPLETED", "CANCELLED", "CLOSED", "PENDING_APPROVAL")
WRITABLE_STATES = ("DRAFT", "ACTIVE")  # through CreateJourney and UpdateJourney
STATE_REQUESTS = ("ACTIVE", "PAUSED", "CANCELLED")  # through UpdateJourneyState
FINISHED = ("COMPLETED", "CANCELLED", "CLOSED")
# Pinpoint's quotas: 40 activities per journey; a multivariate split has as many as five paths
# including its Else path; a random split as many as five paths.
MAX_ACTIVITIES = 40
MAX_CONDITION_BRANCHES = 4
MAX_RANDOM_BRANCHES = 5
CHANNELS = ("EMAIL", "SMS", "PUSH", "VOICE", "CUSTOM")  # OpenHours' and ClosedDays' members
MAX_CAP = 100  # DailyCap, TotalCap, EndpointReentryCap: "The maximum value is 100"
ACTIVITY_ID = re.compile(r"^[A-Za-z0-9]{1,100}$")  # "at most 100 characters ... alphanumeric"
SCHEDULE_ZONES = frozenset(
    [
        "UTC",
        "UTC+01",
        "UTC+02",
        "UTC+03",
        "UTC+03:30",
        "UTC+04",
        "UTC+04:30",
        "UTC+05",
        "UTC+05:30",
        "UTC+05:45",
        "UTC+06",
        "UTC+06:30",
        "UTC+07",
        "UTC+08",
        "UTC+08:45",
        "UTC+09",
        "UTC+09:30",
        "UTC+10",
        "UTC+10:30",
        "UTC+11",
        "UTC+12",
        "UTC+12:45",
        "UTC+13",
        "UTC+13:45",
        "UTC-02",
        "UTC-02:30",
        "UTC-03",
        "UTC-03:30",
        "UTC-04",
        "UTC-05",
        "UTC-06",
        "UTC-07",
        "UTC-08",
        "UTC-09",
        "UTC-09:30",
        "UTC-10",
        "UTC-11",
    ]
)
DURATION = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)


def duration(value: Any, field: str) -> timedelta:
    """An ISO 8601 duration (`PT1H`, `P7D`, `P1Y`) as a timedelta; a year is 365 days, a month 30."""
    match = DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValidationError(field, f"{value!r} is not an ISO 8601 duration such as PT1H or P7D")
    years, months, weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(
        days=years * 365 + months * 30 + weeks * 7 + days, hours=hours, minutes=minutes, seconds=seconds
    )


def instant(value: Any, field: str) -> datetime:
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(field, f"{value!r} is not an ISO 8601 date and time") from exc
    if at.tzinfo is None:
        raise ValidationError(field, f"{value!r} names no UTC offset")
    return at


def next_activities(activity: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    """(field, activity id) of each activity this one can lead to."""
    found: list[tuple[str, str]] = []

    def add(field: str, value: Any) -> None:
        if value is not None:
            found.append((field, value))

    for kind in ("EMAIL", "SMS", "PUSH", "CUSTOM", "Wait", "Holdout", "ContactCenter"):
        if isinstance(activity.get(kind), Mapping):
            add(f"{where}.{kind}.NextActivity", activity[kind].get("NextActivity"))
    split = activity.get("ConditionalSplit")
    if isinstance(split, Mapping):
        add(f"{where}.ConditionalSplit.TrueActivity", split.get("TrueActivity"))
        add(f"{where}.ConditionalSplit.FalseActivity", split.get("FalseActivity"))
    for kind, default in (("MultiCondition", "DefaultActivity"), ("RandomSplit", None)):
        part = activity.get(kind)
        if isinstance(part, Mapping):
            for index, branch in enumerate(part.get("Branches") or []):
                if isinstance(branch, Mapping):
                    add(f"{where}.{kind}.Branches[{index}].NextActivity", branch.get("NextActivity"))
            if default:
                add(f"{where}.{kind}.{default}", part.get(default))
    return found


def check_activities(activities: Any) -> None:
    """Each activity one of Pinpoint's types, within its branch quota; every next activity exists;
    no activity leads back to itself."""
    if not isinstance(activities, Mapping):
        raise ValidationError("Activities", "must be a map of activity ids to activities")
    if len(activities) > MAX_ACTIVITIES:
        raise ValidationError(
            "Activities", f"has {len(activities)} activities; a journey has at most {MAX_ACTIVITIES}"
        )
    graph: dict[str, list[str]] = {}
    for activity_id, activity in activities.items():
        where = f"Activities.{activity_id}"
        if not isinstance(activity_id, str) or not ACTIVITY_ID.match(activity_id):
            raise ValidationError(where, "an activity id is 1 to 100 alphanumeric characters")
        if not isinstance(activity, Mapping):
            raise ValidationError(where, "must be an object")
        kinds = [kind for kind in ACTIVITY_TYPES if activity.get(kind) is not None]
        unknown = sorted(set(activity) - {*ACTIVITY_TYPES, "Description"})
        if unknown:
            raise ValidationError(
                f"{where}.{unknown[0]}", f"is not an activity type ({', '.join(ACTIVITY_TYPES)})"
            )
        if len(kinds) != 1:
            raise ValidationError(where, f"names {len(kinds)} activity types; an activity is exactly one")
        if not isinstance(activity[kinds[0]], Mapping):
            raise ValidationError(f"{where}.{kinds[0]}", "must be an object")
        _check_branches(activity, where)
        nexts = next_activities(activity, where)
        for field, target in nexts:
            if target not in activities:
                raise ValidationError(field, f"names {target!r}, which is not an activity of this journey")
        graph[activity_id] = [target for _, target in nexts]
    cycle = _cycle(graph)
    if cycle:
        raise ValidationError("Activities", f"activities lead back to themselves: {' -> '.join(cycle)}")


def _check_branches(activity: Mapping[str, Any], where: str) -> None:
    for kind, most in (("MultiCondition", MAX_CONDITION_BRANCHES), ("RandomSplit", MAX_RANDOM_BRANCHES)):
        part = activity.get(kind)
        if not isinstance(part, Mapping):
            continue
        branches = part.get("Branches") or []
        if not isinstance(branches, list):
            raise ValidationError(f"{where}.{kind}.Branches", "must be a list")
        if len(branches) > most:
            extra = " besides its default (Else) path" if kind == "MultiCondition" else ""
            raise ValidationError(
                f"{where}.{kind}.Branches", f"has {len(branches)} paths; at most {most}{extra}"
            )
    holdout = activity.get("Holdout")
    if isinstance(holdout, Mapping) and not _percentage(holdout.get("Percentage")):
        raise ValidationError(f"{where}.Holdout.Percentage", "is required, a whole number from 0 to 100")
    split = activity.get("RandomSplit")
    if isinstance(split, Mapping):
        shares = [b.get("Percentage") for b in split.get("Branches") or [] if isinstance(b, Mapping)]
        if not all(_percentage(p) for p in shares) or sum(shares) > 100:
            raise ValidationError(
                f"{where}.RandomSplit.Branches", "each path's Percentage is 0 to 100, together at most 100"
            )
    condition = (activity.get("ConditionalSplit") or {}).get("Condition")
    if isinstance(condition, Mapping) and condition.get("Operator", "ALL") not in ("ALL", "ANY"):
        raise ValidationError(f"{where}.ConditionalSplit.Condition.Operator", "must be ALL or ANY")
    wait = activity.get("Wait")
    if isinstance(wait, Mapping):
        time = wait.get("WaitTime") or {}
        if isinstance(time, Mapping) and time.get("WaitFor") is not None:
            duration(time["WaitFor"], f"{where}.Wait.WaitTime.WaitFor")
        if isinstance(time, Mapping) and time.get("WaitUntil") is not None:
            instant(time["WaitUntil"], f"{where}.Wait.WaitTime.WaitUntil")


def _percentage(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100


def _cycle(graph: Mapping[str, list[str]]) -> list[str] | None:
    """A path that comes back to where it started, or None (depth-first, iteratively)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in graph:
        if state.get(root):
            continue
        path, stack = [root], [iter(graph[root])]
        state[root] = 1
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(target) == 1:
                return [*path[path.index(target) :], target]
            elif not state.get(target):
                state[target] = 1
                path.append(target)
                stack.append(iter(graph.get(target, [])))
    return None


def check_request(request: Any) -> dict[str, Any]:
    """A WriteJourneyRequest as Pinpoint checked it; its members kept whole."""
    if not isinstance(request, Mapping):
        raise ValidationError("WriteJourneyRequest", "must be an object")
    unknown = sorted(set(request) - WRITE_MEMBERS)
    if unknown:
        raise ValidationError(unknown[0], "is not a member of WriteJourneyRequest")
    if not isinstance(request.get("Name"), str) or not request["Name"].strip():
        raise ValidationError("Name", "is required")
    state = request.get("State", "DRAFT")
    if state not in WRITABLE_STATES:
        raise ValidationError(
            "State", f"{state!r}: create and update set DRAFT or ACTIVE; use UpdateJourneyState for the rest"
        )
    activities = request.get("Activities")
    if activities is not None:
        check_activities(activities)
    start = request.get("StartActivity")
    if start is not None and start not in (activities or {}):
        raise ValidationError("StartActivity", f"names {start!r}, which is not an activity of this journey")
    if state == "ACTIVE":
        for field in ("StartActivity", "StartCondition"):
            if not request.get(field):
                raise ValidationError(field, "is required to publish a journey (State ACTIVE)")
    _check_start_condition(request.get("StartCondition"))
    _check_limits(request.get("Limits"))
    _check_schedule(request.get("Schedule"))
    _check_sending_schedule(request)
    _check_contact_center(request, activities or {}, state)
    return dict(request)


def _check_contact_center(request: Mapping[str, Any], activities: Mapping[str, Any], state: Any) -> None:
    """A contact center activity: never in a journey started by an event (as in Pinpoint); a
    published one names its Amazon Connect outbound campaign and the role that puts calls in it."""
    event_started = bool((request.get("StartCondition") or {}).get("EventStartCondition"))
    centers = [
        activity_id
        for activity_id, activity in activities.items()
        if isinstance(activity, Mapping) and activity.get("ContactCenter") is not None
    ]
    if centers and event_started:
        raise ValidationError(
            f"Activities.{centers[0]}.ContactCenter",
            "a contact center activity can't be in a journey started by an event (as in Pinpoint)",
        )
    settings = request.get("JourneyChannelSettings") or {}
    if not isinstance(settings, Mapping):
        raise ValidationError("JourneyChannelSettings", "must be an object")
    for name, pattern in (
        ("ConnectCampaignArn", CAMPAIGN_ARN),
        ("ConnectCampaignExecutionRoleArn", ROLE_ARN),
    ):
        value = settings.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"JourneyChannelSettings.{name}", "must be a string")
        if not (centers and state == "ACTIVE"):
            continue
        if not value:
            raise ValidationError(
                f"JourneyChannelSettings.{name}",
                "is required to publish a journey with a contact center activity",
            )
        if not pattern.match(value):
            raise ValidationError(f"JourneyChannelSettings.{name}", "is not a valid ARN of its kind")


def _check_sending_schedule(request: Mapping[str, Any]) -> None:
    """OpenHours and ClosedDays per channel; TimezoneEstimationMethods."""
    for field, check in (("OpenHours", check_open_hours), ("ClosedDays", check_closed_days)):
        value = request.get(field)
        if value is None:
            continue
        if not isinstance(value, Mapping) or set(value) - set(CHANNELS):
            raise ValidationError(field, f"must map channels ({', '.join(CHANNELS)}) to their rules")
        for channel, rules in value.items():
            check(rules, f"{field}.{channel}")
    methods = request.get("TimezoneEstimationMethods")
    if methods is not None and (not isinstance(methods, list) or set(methods) - set(ESTIMATION_METHODS)):
        raise ValidationError(
            "TimezoneEstimationMethods", f"must be a list of {', '.join(ESTIMATION_METHODS)}"
        )


def _check_start_condition(condition: Any) -> None:
    if condition is None:
        return
    if not isinstance(condition, Mapping):
        raise ValidationError("StartCondition", "must be an object")
    segment = condition.get("SegmentStartCondition")
    event = condition.get("EventStartCondition")
    if segment is not None and event is not None:
        raise ValidationError("StartCondition", "names both a segment and an event; a journey starts by one")
    if segment is not None and not (isinstance(segment, Mapping) and segment.get("SegmentId")):
        raise ValidationError("StartCondition.SegmentStartCondition.SegmentId", "is required")
    if event is not None:
        _check_event_start(event)


def _check_event_start(event: Any) -> None:
    """An EventStartCondition's EventFilter (botocore: Dimensions and FilterType required), matched
    as an event-triggered campaign's is."""
    field = "StartCondition.EventStartCondition"
    if not isinstance(event, Mapping):
        raise ValidationError(field, "must be an object")
    event_filter = event.get("EventFilter")
    if not isinstance(event_filter, Mapping) or not isinstance(event_filter.get("Dimensions"), Mapping):
        raise ValidationError(
            f"{field}.EventFilter", "an event-started journey needs an EventFilter with Dimensions"
        )
    if event_filter.get("FilterType") not in ("ENDPOINT", "SYSTEM"):
        raise ValidationError(f"{field}.EventFilter.FilterType", "must be ENDPOINT or SYSTEM")
    event_type = event_filter["Dimensions"].get("EventType")
    if event_type is not None and not (
        isinstance(event_type, Mapping)
        and event_type.get("DimensionType", "INCLUSIVE") in ("INCLUSIVE", "EXCLUSIVE")
        and isinstance(event_type.get("Values"), list)
        and event_type["Values"]
    ):
        raise ValidationError(
            f"{field}.EventFilter.Dimensions.EventType",
            "needs Values and a DimensionType of INCLUSIVE or EXCLUSIVE",
        )
    if event.get("SegmentId") is not None and not (
        isinstance(event["SegmentId"], str) and event["SegmentId"]
    ):
        raise ValidationError(f"{field}.SegmentId", "must name a segment")


def _check_limits(limits: Any) -> None:
    if limits is None:
        return
    if not isinstance(limits, Mapping):
        raise ValidationError("Limits", "must be an object")
    for field in ("DailyCap", "TotalCap", "EndpointReentryCap"):
        value = limits.get(field)
        if value is not None and (not isinstance(value, int) or not 0 <= value <= MAX_CAP):
            raise ValidationError(f"Limits.{field}", f"must be a whole number from 0 to {MAX_CAP}")
    frame = limits.get("TimeframeCap")
    if frame is not None:
        if not isinstance(frame, Mapping):
            raise ValidationError("Limits.TimeframeCap", "must be an object with Cap and Days")
        for field, high in (("Cap", MAX_CAP), ("Days", 30)):  # "The maximum value is 30" (Days)
            value = frame.get(field)
            if value is not None and (not isinstance(value, int) or not 0 <= value <= high):
                raise ValidationError(
                    f"Limits.TimeframeCap.{field}", f"must be a whole number from 0 to {high}"
                )
    if limits.get("MessagesPerSecond") is not None and (
        not isinstance(limits["MessagesPerSecond"], int) or limits["MessagesPerSecond"] < 0
    ):
        raise ValidationError("Limits.MessagesPerSecond", "must be a whole number, 0 or more")
    if limits.get("EndpointReentryInterval") is not None:
        duration(limits["EndpointReentryInterval"], "Limits.EndpointReentryInterval")


def _check_schedule(schedule: Any) -> None:
    if schedule is None:
        return
    if not isinstance(schedule, Mapping):
        raise ValidationError("Schedule", "must be an object")
    times = {f: instant(schedule[f], f"Schedule.{f}") for f in ("StartTime", "EndTime") if schedule.get(f)}
    if len(times) == 2 and times["EndTime"] <= times["StartTime"]:
        raise ValidationError("Schedule.EndTime", "must come after Schedule.StartTime")
    if schedule.get("Timezone") is not None and schedule["Timezone"] not in SCHEDULE_ZONES:
        raise ValidationError(
            "Schedule.Timezone", f"{schedule['Timezone']!r} is not one of Pinpoint's UTC offsets"
        )


class JourneyStore(Protocol):
    def put(self, journey: dict[str, Any], replacing: str | None = None) -> None:
        """Writes the journey if it is new (None) or still as last modified at `replacing`;
        ConflictError otherwise."""
        ...

    def get(self, app_id: str, journey_id: str) -> dict[str, Any] | None: ...
    def list(self, app_id: str) -> list[dict[str, Any]]: ...
    def delete(self, app_id: str, journey_id: str) -> None: ...


# The message activities whose TemplateName names a template of that channel.
TEMPLATE_ACTIVITIES = ("EMAIL", "SMS", "PUSH")


class Journeys:
    """CreateJourney, GetJourney, UpdateJourney, DeleteJourney, ListJourneys and UpdateJourneyState.
    A published journey's templates and segments must exist (`template(kind, name, version)` and
    `segment(app_id, segment_id)` raise NotFoundError otherwise); a draft may name them before they do."""

    def __init__(
        self,
        store: JourneyStore,
        template: Callable[[str, str, str | None], object] | None = None,
        segment: Callable[[str, str], object] | None = None,
        on_change: Callable[[str | None, dict[str, Any]], None] | None = None,
    ) -> None:
        self.store = store
        self.template = template
        self.segment = segment
        # What a state change sets going (engage.journeys.launch.Launcher.changed): (before, journey).
        self.on_change = on_change or (lambda _before, _journey: None)

    def _check_references(self, app_id: str, journey: Mapping[str, Any]) -> None:
        """Each template and segment a journey being published names exists, or the field is named."""
        for activity_id, activity in (journey.get("Activities") or {}).items():
            for kind in TEMPLATE_ACTIVITIES:
                part = activity.get(kind)
                if self.template and isinstance(part, Mapping) and part.get("TemplateName"):
                    try:
                        self.template(kind, part["TemplateName"], part.get("TemplateVersion"))
                    except NotFoundError as exc:
                        raise ValidationError(
                            f"Activities.{activity_id}.{kind}.TemplateName", str(exc)
                        ) from exc
        condition = journey.get("StartCondition") or {}
        for start in ("SegmentStartCondition", "EventStartCondition"):
            segment_id = (condition.get(start) or {}).get("SegmentId")
            if self.segment and segment_id:
                try:
                    self.segment(app_id, segment_id)
                except NotFoundError as exc:
                    raise ValidationError(f"StartCondition.{start}.SegmentId", str(exc)) from exc

    def create(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        check_app_id(app_id)
        written = check_request(request)
        if written.get("State") == "ACTIVE":
            self._check_references(app_id, written)
        now = now_iso()
        journey = {
            **written,
            "ApplicationId": app_id,
            "Id": uuid.uuid4().hex,
            "State": written.get("State", "DRAFT"),
            "CreationDate": now,
            "LastModifiedDate": now,
            "tags": {},
        }
        self.store.put(journey)
        self.on_change(None, journey)
        return journey

    def get(self, app_id: str, journey_id: str) -> dict[str, Any]:
        journey = self.store.get(app_id, journey_id)
        if journey is None:
            raise NotFoundError(f"journey {journey_id!r} does not exist in application {app_id!r}")
        return journey

    def list(self, app_id: str) -> list[dict[str, Any]]:
        return self.store.list(app_id)

    def update(self, app_id: str, journey_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        current = self.get(app_id, journey_id)
        written = check_request(request)
        requested = request.get("State") if isinstance(request, Mapping) else None
        state = requested or "DRAFT"
        if current["State"] in FINISHED:
            raise ConflictError(f"journey {journey_id!r} is {current['State']}: it can't be changed")
        if current["State"] != "DRAFT":
            if any(written.get(f, current.get(f)) != current.get(f) for f in ("Activities", "StartActivity")):
                raise ConflictError(
                    f"journey {journey_id!r} is {current['State']}: "
                    "its activities can't be added, changed or removed"
                )
            if requested == "DRAFT":
                raise ValidationError("State", "a published journey can't go back to DRAFT")
            state = current["State"]  # a paused journey stays paused until UpdateJourneyState resumes it
        # A draft is replaced whole; a published journey keeps what the request leaves out.
        kept = {} if current["State"] == "DRAFT" else {k: v for k, v in current.items() if k in WRITE_MEMBERS}
        journey = {
            **kept,
            **written,
            "ApplicationId": app_id,
            "Id": journey_id,
            "State": state,
            "CreationDate": current["CreationDate"],
            "LastModifiedDate": now_iso(),
            "tags": current.get("tags", {}),
        }
        if current["State"] == "DRAFT" and journey["State"] == "ACTIVE":  # published now
            self._check_references(app_id, journey)
        self.store.put(journey, replacing=current["LastModifiedDate"])
        if journey["State"] != current["State"]:
            self.on_change(current["State"], journey)
        return journey

    def update_state(self, app_id: str, journey_id: str, request: Any) -> dict[str, Any]:
        state = request.get("State") if isinstance(request, Mapping) else None
        if state not in STATE_REQUESTS:
            raise ValidationError("State", f"{state!r}: UpdateJourneyState takes ACTIVE, PAUSED or CANCELLED")
        current = self.get(app_id, journey_id)
        allowed = {
            "ACTIVE": ("DRAFT", "PAUSED"),  # publish, or resume a paused journey
            "PAUSED": ("ACTIVE",),
            "CANCELLED": ("DRAFT", "ACTIVE", "PAUSED", "CLOSED"),
        }[state]
        if current["State"] == state:
            return current
        if current["State"] not in allowed:
            raise ConflictError(f"journey {journey_id!r} is {current['State']}: it can't become {state}")
        if state == "PAUSED" and not current.get("RefreshFrequency"):
            # "Currently, PAUSED only supports journeys with a segment refresh interval."
            raise ValidationError(
                "State", "PAUSED needs a journey with a segment refresh interval (RefreshFrequency)"
            )
        if state == "ACTIVE" and current["State"] == "DRAFT":
            check_request({**{k: v for k, v in current.items() if k in WRITE_MEMBERS}, "State": "ACTIVE"})
            self._check_references(app_id, current)
        journey = {**current, "State": state, "LastModifiedDate": now_iso()}
        self.store.put(journey, replacing=current["LastModifiedDate"])
        self.on_change(current["State"], journey)
        return journey

    def settle(self, journey: Mapping[str, Any], state: str) -> None:
        """A state only the system sets: CLOSED (an ACTIVE journey past its schedule's end: nobody
        new enters, those in it go on) and COMPLETED (a closed journey everyone has finished). A
        journey changed meanwhile (cancelled, say) is left as it is."""
        allowed = {"CLOSED": ("ACTIVE",), "COMPLETED": ("ACTIVE", "CLOSED")}[state]
        current = self.get(journey["ApplicationId"], journey["Id"])
        if current["State"] not in allowed:
            return
        try:
            settled = {**current, "State": state, "LastModifiedDate": now_iso()}
            self.store.put(settled, replacing=current["LastModifiedDate"])
        except ConflictError:
            return

    def delete(self, app_id: str, journey_id: str) -> dict[str, Any]:
        journey = self.get(app_id, journey_id)
        self.store.delete(app_id, journey_id)
        return journey
