"""Event-triggered campaigns (engage.campaigns.triggers): Pinpoint's EventFilter over stream
records, active windows, and events too late to send."""

from datetime import UTC, datetime, timedelta

import pytest
from engage.campaigns.model import new_campaign
from engage.campaigns.triggers import active, event_matches, triggered

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def campaign(event_filter, **schedule):
    request = {
        "SegmentId": "s",
        "MessageConfiguration": {"SMSMessage": {"Body": "Thanks"}},
        "Schedule": {"StartTime": "IMMEDIATE", "Frequency": "EVENT", "EventFilter": event_filter, **schedule},
    }
    return new_campaign("trigapp", request, "c-ev")


PURCHASE = {
    "FilterType": "ENDPOINT",
    "Dimensions": {
        "EventType": {"DimensionType": "INCLUSIVE", "Values": ["purchase_success"]},
        "Attributes": {"plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}},
        "Metrics": {"price": {"ComparisonOperator": "GREATER_THAN_OR_EQUAL", "Value": 20}},
    },
}


def record(event_type="purchase_success", age=timedelta(seconds=10), **extra):
    at = int((NOW - age).timestamp() * 1000)
    return {
        "event_type": event_type,
        "event_timestamp": at,
        "arrival_timestamp": at,
        "attributes": {"plan": "gold"},
        "metrics": {"price": 25.0},
        **extra,
    }


def test_a_matching_event_triggers_the_campaign_once_and_a_late_one_is_flagged():
    (trigger,) = triggered([campaign(PURCHASE)], record(), NOW)
    assert not trigger.late
    (late,) = triggered([campaign(PURCHASE)], record(age=timedelta(minutes=6)), NOW)
    assert late.late


@pytest.mark.parametrize(
    "changes",
    [
        {"event_type": "page_view"},
        {"attributes": {"plan": "silver"}},
        {"attributes": {}},
        {"metrics": {"price": 19.99}},
        {"metrics": {}},
        {"event_type": "_email.send"},
    ],
)
def test_each_dimension_must_hold(changes):
    assert not event_matches(PURCHASE, record(**changes))


def test_system_filters_match_the_platforms_own_events():
    system = {
        "FilterType": "SYSTEM",
        "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["_email.open"]}},
    }
    assert event_matches(system, record("_email.open"))
    assert not event_matches(system, record("email.open"))


def test_only_active_campaigns_are_triggered():
    later = campaign(PURCHASE, StartTime="2026-12-01T00:00:00Z")
    ended = campaign(PURCHASE, StartTime="2026-11-01T00:00:00Z", EndTime="2026-11-20T00:00:00Z")
    paused = {**campaign(PURCHASE), "State": {"CampaignStatus": "PAUSED"}}
    assert not any(active(c, NOW) for c in (later, ended, paused))
    assert triggered([later, ended, paused], record(), NOW) == []
