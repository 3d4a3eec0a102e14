"""GetJourneyDateRangeKpi: Pinpoint's journey engagement metrics (its developer guide's "Journey
Engagement Metrics": the email messages a journey sent, delivered, opened, clicked, bounced, ...,
in total or grouped by activity), pre-aggregated as Pinpoint's were.

The journey's event consumer counts each engagement event of a journey's email on its day (UTC) and
activity, in the same transaction that keeps the event for the splits' conditions, so a redelivered
event counts once. A message's open counts once; each click and each unsubscribe counts (kept by
event id), as Pinpoint counted them. Results have Pinpoint's analytics shape: `KpiResult.Rows`,
each with its `Values` (Key, Type "Double", Value) and, grouped, its `GroupedBys`
(`JourneyActivityId`). A metric without data in the range has no rows. Pinpoint did not publish the
`Values.Key` of these metrics; it is the metric's name in PascalCase, without its grouping
(`journey-emails-sent` -> `JourneyEmailsSent`, `emails-sent-grouped-by-journey-activity` ->
`EmailsSent`), as its published example names `unique-deliveries` `UniqueDeliveries`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from engage.errors import ValidationError
from engage.journeys.metrics import counter

MEASURES = {  # the metric's measure -> the email event it counts
    "sent": "_email.send",
    "delivered": "_email.delivered",
    "opened": "_email.open",
    "clicked": "_email.click",
    "hardbounced": "_email.hardbounce",
    "softbounced": "_email.softbounce",
    "complained": "_email.complaint",
    "rejected": "_email.rejected",
    "unsubscribed": "_email.unsubscribe",
}
KPI_EVENTS = frozenset(MEASURES.values())
EACH_COUNTED = frozenset({"_email.click", "_email.unsubscribe"})  # every one, not once per message
GROUPED = "-grouped-by-journey-activity"
DEFAULT_RANGE = timedelta(days=31)


def kpi_names() -> list[str]:
    names = []
    for measure in MEASURES:
        names += [f"journey-emails-{measure}", f"emails-{measure}{GROUPED}"]
    return names


class DayCounts(Protocol):
    def day_counts(self, app_id: str, journey_id: str, first: str, last: str) -> dict[str, int]: ...


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def _measure(kpi_name: str) -> tuple[str, bool]:
    """The metric's measure (`sent`, ...) and whether it is grouped by activity."""
    measure, grouped = "", False
    if kpi_name.startswith("emails-") and kpi_name.endswith(GROUPED):
        measure, grouped = kpi_name.removeprefix("emails-").removesuffix(GROUPED), True
    elif kpi_name.startswith("journey-emails-"):
        measure = kpi_name.removeprefix("journey-emails-")
    if measure not in MEASURES:
        raise ValidationError(
            "kpi-name", f"{kpi_name!r} is not a journey engagement metric: {', '.join(kpi_names())}"
        )
    return measure, grouped


def _value(n: int) -> dict[str, str]:
    return {"Type": "Double", "Value": f"{float(n)}"}


class JourneyKpis:
    def __init__(self, journeys: Any, store: DayCounts, clock: Callable[[], float]) -> None:
        self.journeys = journeys  # get(app_id, journey_id): NotFoundError for none
        self.store = store
        self.clock = clock

    def date_range(
        self,
        app_id: str,
        journey_id: str,
        kpi_name: str,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> dict[str, Any]:
        """JourneyDateRangeKpiResponse for the days of `start` to `end` (UTC, both included; by
        default the 31 days to now)."""
        measure, grouped = _measure(kpi_name)
        journey = self.journeys.get(app_id, journey_id)
        end = (end or datetime.fromtimestamp(self.clock(), UTC)).astimezone(UTC)
        start = (start or end - DEFAULT_RANGE).astimezone(UTC)
        if start > end:
            raise ValidationError("start-time", "must not be after end-time")
        counts = self.store.day_counts(app_id, journey_id, start.date().isoformat(), end.date().isoformat())
        event = MEASURES[measure]
        by_activity = {
            activity: counts.get(counter(activity, event), 0) for activity in journey.get("Activities") or {}
        }
        key = _pascal(kpi_name.removesuffix(GROUPED))
        if grouped:
            rows = [
                {"GroupedBys": [{"Key": "JourneyActivityId", "Type": "String", "Value": activity}],
                 "Values": [{"Key": key, **_value(n)}]}
                for activity, n in sorted(by_activity.items()) if n
            ]  # fmt: skip
        else:
            total = sum(by_activity.values())
            rows = [{"GroupedBys": [], "Values": [{"Key": key, **_value(total)}]}] if counts else []
        return {
            "ApplicationId": app_id,
            "JourneyId": journey_id,
            "KpiName": kpi_name,
            "KpiResult": {"Rows": rows},
            "StartTime": start.isoformat().replace("+00:00", "Z"),
            "EndTime": end.isoformat().replace("+00:00", "Z"),
        }
