"""Event-driven segments (engage.audience.segment_rules): rules from configuration, planned per endpoint and
batch, applied with one read and one write per endpoint; removal as much as addition."""

from __future__ import annotations

import pytest
from engage.audience.segment_rules import apply, changed_attributes, parse_rules, plan
from engage.errors import LimitExceededError, ValidationError

from tests.support.fakes import MemoryEndpoints

APP = "rulesapp01"
RULES = parse_rules(
    """[
      {"event_type": "_email.open", "set": {"opened_email": true}},
      {"event_type": "registered_for_webinar", "append": {"webinars": "$attributes.webinar_id"}},
      {"event_type": "left_webinar", "remove": {"webinars": "$attributes.webinar_id"}},
      {"event_type": "purchase", "set": {"last_order_items": "$metrics.items"}}
    ]"""
)


def event(event_type, endpoint="ep-1", app=APP, **attributes):
    return {"event_type": event_type, "application": {"app_id": app}, "client": {"client_id": endpoint},
            "attributes": attributes, "metrics": {"items": 3.0}}  # fmt: skip


class CountingEndpoints(MemoryEndpoints):
    def __init__(self, *args):
        super().__init__(*args)
        self.writes = 0
        self.gets = 0

    def get(self, app_id, endpoint_id):
        self.gets += 1
        return super().get(app_id, endpoint_id)

    def upsert(self, app_id, endpoint_id, request):
        self.writes += 1
        return super().upsert(app_id, endpoint_id, request)


@pytest.fixture
def endpoints():
    return CountingEndpoints([{"ApplicationId": APP, "Id": "ep-1", "ChannelType": "EMAIL",
                               "Address": "a@example.com", "Attributes": {"webinars": ["w0"]}}])  # fmt: skip


def run(endpoints, *events):
    return apply(plan(((f"r{i}", e) for i, e in enumerate(events)), RULES), endpoints)


def test_set_append_and_remove_follow_the_events_in_order_with_one_write_per_endpoint(endpoints):
    applied = run(
        endpoints,
        event("_email.open"),
        event("registered_for_webinar", webinar_id="w1"),
        event("registered_for_webinar", webinar_id="w2"),
        event("registered_for_webinar", webinar_id="w1"),  # once only
        event("left_webinar", webinar_id="w0"),
        event("purchase"),
        event("page_view"),  # no rule
    )
    attributes = endpoints.get(APP, "ep-1")["Attributes"]
    assert attributes == {"opened_email": ["true"], "webinars": ["w1", "w2"], "last_order_items": ["3"]}
    assert (applied.updated, endpoints.writes) == (1, 1)


def test_removing_the_last_value_removes_the_attribute_and_a_replay_changes_nothing(endpoints):
    run(endpoints, event("left_webinar", webinar_id="w0"))
    assert "webinars" not in endpoints.get(APP, "ep-1").get("Attributes", {})
    applied = run(endpoints, event("left_webinar", webinar_id="w0"))
    assert (applied.updated, applied.unchanged, endpoints.writes) == (0, 1, 1)


def test_events_of_unknown_endpoints_and_without_the_value_change_nothing(endpoints):
    applied = run(endpoints, event("_email.open", endpoint="nobody"), event("registered_for_webinar"))
    assert (applied.missing, applied.updated, endpoints.writes) == (1, 0, 0)


def test_a_store_failure_returns_the_endpoints_records_for_a_retry(endpoints):
    def broken(*_args):
        raise RuntimeError("ProvisionedThroughputExceededException")

    endpoints.upsert = broken
    applied = run(endpoints, event("_email.open"), event("_email.open", endpoint="nobody"), event("purchase"))
    assert applied.failed == ["r0", "r2"]
    assert applied.errors == ["ep-1: RuntimeError: ProvisionedThroughputExceededException"]


def test_a_change_over_a_quota_is_refused_not_retried(endpoints):
    def over(*_args):
        raise LimitExceededError("Attributes.webinars", "has 51 values; at most 50 allowed")

    endpoints.upsert = over
    applied = run(endpoints, event("registered_for_webinar", webinar_id="w9"))
    assert applied.failed == [] and "at most 50" in applied.refused[0]


def test_changed_attributes_names_only_what_changes():
    assert changed_attributes({"a": ["1"]}, [("set", "a", "1"), ("append", "b", "x")]) == {"b": ["x"]}
    assert changed_attributes({"a": ["1"]}, [("remove", "a", "1")]) == {"a": []}


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ('{"event_type": "x"}', "a list"),
        ('[{"set": {"a": "1"}}]', "event type"),
        ('[{"event_type": "x", "add": {"a": "1"}}]', "unknown key"),
        ('[{"event_type": "x"}]', "give one of"),
        ('[{"event_type": "x", "set": {}}]', "a map"),
        ('[{"event_type": "x", "set": {"a": null}}]', "a value"),
    ],
)
def test_a_bad_rule_is_named(rules, message):
    with pytest.raises(ValidationError, match=message):
        parse_rules(rules)
