"""GetJourneyDateRangeKpi (engage.journeys.kpis): Pinpoint's journey engagement metric names, its
analytics result shape, the date range read from the day counters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from engage.errors import NotFoundError, ValidationError
from engage.journeys.kpis import JourneyKpis, kpi_names

JOURNEY = {"Id": "j1", "Activities": {"hello": {"EMAIL": {}}, "again": {"EMAIL": {}}, "pause": {"Wait": {}}}}
DAYS = {
    "2026-12-01": {"hello|_email.send": 4, "hello|_email.open": 2, "hello|_email.click": 3},
    "2026-12-02": {"again|_email.send": 1, "again|_email.hardbounce": 1},
}


class Journeys:
    def get(self, app_id, journey_id):
        if journey_id != "j1":
            raise NotFoundError(f"no journey {journey_id}")
        return JOURNEY


class Days:
    def __init__(self):
        self.asked = []

    def day_counts(self, app_id, journey_id, first, last):
        self.asked.append((first, last))
        total = {}
        for day, counts in DAYS.items():
            if first <= day <= last:
                for k, n in counts.items():
                    total[k] = total.get(k, 0) + n
        return total


def kpis(days=None):
    return JourneyKpis(Journeys(), days or Days(), lambda: datetime(2026, 12, 3, 12, tzinfo=UTC).timestamp())


def test_a_single_value_metric_sums_the_activities_of_the_days_asked():
    answer = kpis().date_range(
        "app",
        "j1",
        "journey-emails-sent",
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2026, 12, 2, 23, tzinfo=UTC),
    )
    assert answer["KpiResult"]["Rows"] == [
        {"GroupedBys": [], "Values": [{"Key": "JourneyEmailsSent", "Type": "Double", "Value": "5.0"}]}
    ]
    assert (answer["StartTime"], answer["EndTime"]) == ("2026-12-01T00:00:00Z", "2026-12-02T23:00:00Z")
    one_day = kpis().date_range(
        "app",
        "j1",
        "journey-emails-sent",
        datetime(2026, 12, 2, tzinfo=UTC),
        datetime(2026, 12, 2, tzinfo=UTC),
    )
    assert one_day["KpiResult"]["Rows"][0]["Values"][0]["Value"] == "1.0"


def test_a_grouped_metric_has_a_row_per_activity_with_data_and_each_click_counts():
    answer = kpis().date_range("app", "j1", "emails-clicked-grouped-by-journey-activity")
    assert answer["KpiResult"]["Rows"] == [
        {
            "GroupedBys": [{"Key": "JourneyActivityId", "Type": "String", "Value": "hello"}],
            "Values": [{"Key": "EmailsClicked", "Type": "Double", "Value": "3.0"}],
        }
    ]


def test_no_data_in_the_range_is_no_rows_and_the_default_range_is_the_last_31_days():
    days = Days()
    empty = kpis(days).date_range(
        "app",
        "j1",
        "journey-emails-opened",
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 30, tzinfo=UTC),
    )
    assert empty["KpiResult"]["Rows"] == []
    kpis(days).date_range("app", "j1", "journey-emails-opened")
    assert days.asked[-1] == ("2026-11-02", "2026-12-03")


def test_only_pinpoints_journey_engagement_metrics_are_answered():
    assert len(kpi_names()) == 18 and "emails-unsubscribed-grouped-by-journey-activity" in kpi_names()
    for wrong in ("unique-deliveries", "journey-emails-bounced", "emails-sent-grouped-by-campaign"):
        with pytest.raises(ValidationError, match="not a journey engagement metric"):
            kpis().date_range("app", "j1", wrong)
    with pytest.raises(ValidationError, match="start-time"):
        kpis().date_range(
            "app",
            "j1",
            "journey-emails-sent",
            datetime(2026, 12, 2, tzinfo=UTC),
            datetime(2026, 12, 1, tzinfo=UTC),
        )
    with pytest.raises(NotFoundError):
        kpis().date_range("app", "nope", "journey-emails-sent")
