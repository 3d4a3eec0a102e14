"""The audience area's stream consumers (functions/audience/optin_sync, functions/audience/segment_rules)
driven by their sample events, each with its use case built on in-memory fakes in place of the
wiring's accessor (engage.audience.wiring); and the settings they read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from engage.audience import wiring
from engage.audience.optin_sync import Columns, OptInSync
from engage.audience.rule_batches import RuleBatches
from engage.audience.segment_rules import parse_rules
from engage.consent import ConsentStatus
from engage.errors import ValidationError

from tests.support.fakes import MemoryConsent, MemoryEndpoints, MemoryTombstones
from tests.support.thin_handlers import Context, handler, sample, use

APP = "0123456789abcdef0123456789abcdef"
RULES = [  # as the e2e stack configures them (tests/e2e/conftest.py)
    {"event_type": "_email.open", "set": {"opened_email": "true"}},
    {"event_type": "registered_for_webinar", "append": {"webinars": "$attributes.webinar_id"}},
    {"event_type": "left_webinar", "remove": {"webinars": "$attributes.webinar_id"}},
]


class Recorder:
    """The rejects queue: each call, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def send(self, body, delay_seconds=None):
        self.calls.append(("send", json.loads(body), delay_seconds))

    def require(self, app_id):
        self.calls.append(("require", app_id))


def handler_with(monkeypatch: pytest.MonkeyPatch, name: str, accessor: str, use_case: object) -> Any:
    use(monkeypatch, wiring, accessor, use_case)
    return handler(name)


# --- optin_sync ----------------------------------------------------------------------------------------
def test_the_opt_in_sample_changes_apply_in_order_and_the_unusable_ones_are_rejected(monkeypatch):
    endpoints, consents, rejects = MemoryEndpoints(), MemoryConsent(), Recorder()
    sync = OptInSync(APP, Columns(), "US", rejects, endpoints, consents, MemoryTombstones(), rejects)
    use(monkeypatch, wiring, "opt_in_sync", sync)

    answer = handler("optin_sync")(sample("audience/optin_sync/changes.json"), Context())

    assert answer == {"batchItemFailures": []}, "nothing is retried: each change applied or rejected"
    endpoint = endpoints.get(APP, "cdc-9001")
    assert (endpoint["Address"], endpoint["OptOut"]) == ("+12065550112", "ALL"), "moved, and opted out"
    assert consents.get(APP, "SMS", "+12065550111").status == ConsentStatus.OPTED_OUT, "the old number too"
    rejected = [call[1] for call in rejects.calls if call[0] == "send"]
    assert [(r["field"], r["sequence_number"][-1]) for r in rejected] == [("phone", "5"), ("record", "7")]
    assert rejected[0]["partition_key"] == "public.customers.9001" and '"id": 9002' in rejected[0]["record"]
    assert {call for call in rejects.calls if call[0] == "require"} == {("require", APP)}


# --- segment_rules -------------------------------------------------------------------------------------
class FailingEndpoints(MemoryEndpoints):
    def modify(self, app_id, endpoint_id, change):
        raise ConnectionError("the store is down")


def reader(attributes=None) -> dict[str, Any]:
    endpoint = {
        "ApplicationId": APP,
        "Id": "sample-reader",
        "ChannelType": "EMAIL",
        "Address": "r@example.com",
    }
    return endpoint | ({"Attributes": attributes} if attributes else {})


def test_the_sample_batch_applies_its_rules_and_counts_the_unreadable_record(monkeypatch):
    endpoints = MemoryEndpoints([reader()])
    rules = handler_with(
        monkeypatch, "segment_rules", "rule_batches", RuleBatches(parse_rules(RULES), endpoints)
    )
    batch = sample("audience/segment_rules/batch.json")
    assert rules(batch, Context()) == {"batchItemFailures": []}
    assert endpoints.get(APP, "sample-reader")["Attributes"] == {
        "opened_email": ["true"],
        "webinars": ["w-102"],
    }
    assert rules(batch, Context()) == {"batchItemFailures": []}  # a replay changes nothing
    assert endpoints.get(APP, "sample-reader")["Attributes"] == {
        "opened_email": ["true"],
        "webinars": ["w-102"],
    }


def test_records_of_an_endpoint_the_store_could_not_write_are_retried(monkeypatch):
    endpoints = FailingEndpoints([reader()])
    rules = handler_with(
        monkeypatch, "segment_rules", "rule_batches", RuleBatches(parse_rules(RULES), endpoints)
    )
    batch = sample("audience/segment_rules/batch.json")
    events = [record["kinesis"]["sequenceNumber"] for record in batch["Records"][:4]]  # the fifth is not one
    assert rules(batch, Context()) == {"batchItemFailures": [{"itemIdentifier": s} for s in events]}


# --- the settings --------------------------------------------------------------------------------------
def test_the_settings_default_and_name_a_missing_variable():
    settings = wiring.AudienceSettings.from_env({})
    assert (settings.columns, settings.default_phone_region, settings.segment_rules) == (
        Columns(),
        None,
        None,
    )
    for field, variable in [
        ("opt_in_sync_application_id", "OPT_IN_SYNC_APPLICATION_ID"),
        ("rejects_queue_url", "REJECTS_QUEUE_URL"),
        ("segment_rules", "SEGMENT_RULES"),
    ]:
        with pytest.raises(ValidationError, match=variable):
            settings.require(field)


def test_the_settings_read_each_variable_the_consumers_use():
    settings = wiring.AudienceSettings.from_env(
        {
            "OPT_IN_SYNC_APPLICATION_ID": APP,
            "PHONE_COLUMN": "mobile",
            "OPT_IN_COLUMN": "",  # empty: the default column
            "DEFAULT_PHONE_REGION": "GB",
            "REJECTS_QUEUE_URL": "https://sqs/rejects",
            "SEGMENT_RULES": "[]",
            "LAKE_ERASURE_QUEUE_URL": "https://sqs/lake-erasure",
        }
    )
    assert settings.columns == Columns(phone="mobile") and settings.default_phone_region == "GB"
    assert settings.require("opt_in_sync_application_id") == APP
    assert (settings.require("rejects_queue_url"), settings.require("segment_rules")) == (
        "https://sqs/rejects",
        "[]",
    )
    assert settings.lake_erasure_queue_url == "https://sqs/lake-erasure"
