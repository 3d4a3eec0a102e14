"""A journey's execution metrics and runs, as Pinpoint's analytics API answered them.

Counts are kept per run of the journey, one counter per (scope, metric): the scope is the journey
(`JOURNEY`) or an activity. Each count is written in the same transaction as the participant state
it counts (or, for a message's outcome, as the event that reports it), so the figures add up: a
step performed again after a failure, or an event delivered twice, is counted once.

Journey metrics are Pinpoint's (ENDPOINT_ENTERED, ENDPOINT_LEFT, CANCELLED, REENTRY_CAP_EXCEEDED,
ACTIVE_ENDPOINT_REJECTED, and ENDPOINT_ACTIVE: entered less left less cancelled). Per activity,
Pinpoint published the random and multivariate splits' `Branch_#` (one per path, in order) and
`TOTAL`; it never published the other activities' field names, so they are named after its
console's labels: a wait's WAIT_COMPLETED, WAIT_DATE_PASSED and WAITING; a holdout's HOLDOUT; a yes/no
split's Branch_1 (yes) and Branch_2 (no), a multivariate split's default path the last Branch_#;
a message activity's send outcomes by `journey_send_status` (SUCCESS, QUIET_TIME, DAILY_CAP, ...)
and UNSUPPORTED_CHANNEL for a participant with no endpoint on its channel.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from engage.errors import NotFoundError

JOURNEY = ""  # the scope of the journey's own counts
RUN_IDS = uuid.UUID("0c8f7c4e-3f55-4c38-9d0b-6a2b51c1d7e2")
ACTIVITY_TYPE = {  # JourneyExecutionActivityMetricsResponse.ActivityType
    "ConditionalSplit": "CONDITIONAL_SPLIT",
    "MultiCondition": "MULTI_CONDITIONAL_SPLIT",
    "RandomSplit": "RANDOM_SPLIT",
    "Holdout": "HOLDOUT",
    "Wait": "WAIT",
    "ContactCenter": "CONTACT_CENTER",
    "EMAIL": "MESSAGE",
    "SMS": "MESSAGE",
    "PUSH": "MESSAGE",
    "CUSTOM": "MESSAGE",
}
JOURNEY_METRICS = (
    "ENDPOINT_ENTERED",
    "ENDPOINT_LEFT",
    "CANCELLED",
    "REENTRY_CAP_EXCEEDED",
    "ACTIVE_ENDPOINT_REJECTED",
    "ENDPOINT_MISSING_TIMEZONE",
)
# The refused entries of engage.journeys.flow.Entering, as Pinpoint's journey metrics name them.
REFUSAL_METRICS = {
    "IN_JOURNEY": "ACTIVE_ENDPOINT_REJECTED",
    "REENTRY_CAP": "REENTRY_CAP_EXCEEDED",
    "REENTRY_INTERVAL": "REENTRY_INTERVAL",
    "NO_TIMEZONE": "ENDPOINT_MISSING_TIMEZONE",
}
SEND_EVENT = "_journey.send"


def counter(scope: str, metric: str) -> str:
    """A counter's name: `<activity>|<metric>`, or `|<metric>` for the journey's own."""
    return f"{scope}|{metric}"


def run_id(journey_id: str, slot: int | str) -> str:
    """The id of the journey's run `slot` (0: its first entry; a refresh period, its number; a
    segment's new version, `v<version>`): the same every time it is asked, so an entry started
    again names the same run."""
    return uuid.uuid5(RUN_IDS, f"{journey_id}#{slot}").hex


def send_status(event_type: str) -> str | None:
    """The outcome an event's counter records (`_journey.send:<status>` is kept as its status)."""
    return event_type.split(":", 1)[1] if event_type.startswith(f"{SEND_EVENT}:") else None


class MetricsStore(Protocol):
    def counts(self, app_id: str, journey_id: str, run: str | None = None) -> dict[str, int]:
        """The journey's counters summed (over every run, or one), by counter name."""
        ...

    def runs(self, app_id: str, journey_id: str) -> list[dict[str, Any]]:
        """The journey's runs: RunId, Status, CreationTime, LastUpdateTime, oldest first."""
        ...


class JourneyReader(Protocol):
    def get(self, app_id: str, journey_id: str) -> dict[str, Any]: ...


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JourneyMetrics:
    """GetJourneyExecutionMetrics, GetJourneyExecutionActivityMetrics, GetJourneyRuns,
    GetJourneyRunExecutionMetrics and GetJourneyRunExecutionActivityMetrics, from the counters."""

    def __init__(self, journeys: JourneyReader, store: MetricsStore, clock: Any) -> None:
        self.journeys = journeys
        self.store = store
        self.clock = clock  # () -> epoch seconds: LastEvaluatedTime is when the counters were read

    def execution(self, app_id: str, journey_id: str, run: str | None = None) -> dict[str, Any]:
        self.journeys.get(app_id, journey_id)
        counts = self._counts(app_id, journey_id, run)
        answer = {
            "ApplicationId": app_id,
            "JourneyId": journey_id,
            "LastEvaluatedTime": iso(self.clock()),
            "Metrics": {k: str(v) for k, v in journey_metrics(counts).items()},
        }
        return {**answer, "RunId": run} if run else answer

    def activity(
        self, app_id: str, journey_id: str, activity_id: str, run: str | None = None
    ) -> dict[str, Any]:
        journey = self.journeys.get(app_id, journey_id)
        activity = (journey.get("Activities") or {}).get(activity_id)
        if activity is None:
            raise NotFoundError(f"journey {journey_id!r} has no activity {activity_id!r}")
        counts = self._counts(app_id, journey_id, run)
        answer = {
            "ActivityType": activity_type(activity),
            "ApplicationId": app_id,
            "JourneyActivityId": activity_id,
            "JourneyId": journey_id,
            "LastEvaluatedTime": iso(self.clock()),
            "Metrics": {k: str(v) for k, v in activity_metrics(activity_id, counts).items()},
        }
        return {**answer, "RunId": run} if run else answer

    def canvas(self, app_id: str, journey_id: str) -> dict[str, Any]:
        """The journey drawn with each activity's figures (engage.journeys.canvas), from the counters
        the other metrics read."""
        from engage.journeys.canvas import canvas_response  # it builds on this module's figures

        journey = self.journeys.get(app_id, journey_id)
        return canvas_response(journey, self._counts(app_id, journey_id, None), iso(self.clock()))

    def runs(self, app_id: str, journey_id: str) -> dict[str, Any]:
        self.journeys.get(app_id, journey_id)
        return {"Item": self.store.runs(app_id, journey_id)}

    def _counts(self, app_id: str, journey_id: str, run: str | None) -> dict[str, int]:
        if run and run not in {r["RunId"] for r in self.store.runs(app_id, journey_id)}:
            raise NotFoundError(f"journey {journey_id!r} has no run {run!r}")
        return self.store.counts(app_id, journey_id, run)


def activity_type(activity: Mapping[str, Any]) -> str:
    kind = next((k for k in ACTIVITY_TYPE if activity.get(k) is not None), "")
    return ACTIVITY_TYPE.get(kind, "")


def journey_metrics(counts: Mapping[str, int]) -> dict[str, int]:
    found = {m: counts.get(counter(JOURNEY, m), 0) for m in JOURNEY_METRICS}
    found["ENDPOINT_ACTIVE"] = max(0, found["ENDPOINT_ENTERED"] - found["ENDPOINT_LEFT"] - found["CANCELLED"])
    return found


def activity_metrics(activity_id: str, counts: Mapping[str, int]) -> dict[str, int]:
    prefix = counter(activity_id, "")
    return {name[len(prefix) :]: n for name, n in counts.items() if name.startswith(prefix)}


def summed(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in parts:
        for name, n in part.items():
            total[name] = total.get(name, 0) + int(n)
    return total
