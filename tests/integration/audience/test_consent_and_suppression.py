"""Consent and suppression stores on DynamoDB (moto), with the template's table definitions."""

import pytest
from engage.consent import ConsentStatus, consent_record
from engage.errors import ValidationError
from engage.suppression import SuppressionReason
from engage.suppression import suppression as make_suppression

APP = "app1"


def test_the_latest_consent_decision_is_in_force_and_every_decision_is_kept(consent):
    assert consent.get(APP, "SMS", "+14255550100") is None
    assert consent.record(
        consent_record(
            APP, "SMS", "+1 425 555 0100", "OPTED_OUT", "sms-keyword", "2026-11-01T10:00:00Z", "in-1"
        )
    )
    assert consent.record(
        consent_record(
            APP, "SMS", "+14255550100", ConsentStatus.OPTED_IN, "sms-keyword", "2026-11-02T10:00:00Z", "in-2"
        )
    )
    current = consent.get(APP, "sms", "(+1) 425-555-0100")
    assert current.status is ConsentStatus.OPTED_IN
    assert current.source_message_id == "in-2"
    assert [r.status for r in consent.history(APP, "SMS", "+14255550100")] == ["OPTED_OUT", "OPTED_IN"]


def test_a_late_older_decision_does_not_override_a_newer_one(consent):
    consent.record(
        consent_record(APP, "SMS", "+14255550100", "OPTED_OUT", "sms-keyword", "2026-11-02T10:00:00Z")
    )
    applied = consent.record(
        consent_record(APP, "SMS", "+14255550100", "OPTED_IN", "cdc", "2026-11-01T10:00:00Z")
    )
    assert applied is False
    assert consent.get(APP, "SMS", "+14255550100").status is ConsentStatus.OPTED_OUT
    assert len(consent.history(APP, "SMS", "+14255550100")) == 2, "the trail keeps the late decision too"


def test_replaying_a_decision_changes_nothing(consent):
    record = consent_record(
        APP,
        "EMAIL",
        "Jane@Example.com",
        "OPTED_OUT",
        "one-click-unsubscribe",
        "2026-11-02T10:00:00Z",
        "msg-1",
    )
    assert consent.record(record)
    assert consent.record(record)
    assert len(consent.history(APP, "EMAIL", "jane@example.com")) == 1
    assert consent.get(APP, "EMAIL", "JANE@example.com").status is ConsentStatus.OPTED_OUT


def test_consent_is_per_application_and_per_channel(consent):
    consent.record(consent_record("brand-a", "SMS", "+14255550100", "OPTED_OUT", "sms-keyword"))
    assert consent.get("brand-b", "SMS", "+14255550100") is None
    assert consent.get("brand-a", "VOICE", "+14255550100") is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "MAYBE"}, "status"),
        ({"source": " "}, "source"),
        ({"address": "nope"}, "Address"),
        ({"channel": "FAX"}, "ChannelType"),
        ({"app_id": "a b"}, "ApplicationId"),
    ],
)
def test_bad_consent_records_are_refused(kwargs, field):
    args = {
        "app_id": APP,
        "channel": "EMAIL",
        "address": "a@example.com",
        "status": "OPTED_IN",
        "source": "api",
    }
    with pytest.raises(ValidationError) as caught:
        consent_record(**{**args, **kwargs})
    assert caught.value.field == field


def test_suppression_is_checked_case_insensitively_and_per_application(suppression):
    suppression.suppress(suppression_entry := _entry("Jane@Example.com", "HARD_BOUNCE", "fb-1"))
    found = suppression.get(APP, "EMAIL", "jane@example.COM")
    assert found == [suppression_entry]
    assert suppression.get("other-app", "EMAIL", "jane@example.com") == []


def test_suppressing_twice_for_one_reason_keeps_one_entry_and_reasons_accumulate(suppression):
    suppression.suppress(_entry("jane@example.com", "COMPLAINT", "fb-1"))
    suppression.suppress(_entry("JANE@example.com", "COMPLAINT", "fb-1"))
    suppression.suppress(_entry("jane@example.com", "HARD_BOUNCE", "fb-2"))
    assert sorted(s.reason for s in suppression.get(APP, "EMAIL", "jane@example.com")) == [
        SuppressionReason.COMPLAINT,
        SuppressionReason.HARD_BOUNCE,
    ]
    assert suppression.remove(APP, "EMAIL", "jane@example.com", SuppressionReason.COMPLAINT) == 1
    assert [s.reason for s in suppression.get(APP, "EMAIL", "jane@example.com")] == ["HARD_BOUNCE"]
    assert suppression.remove(APP, "EMAIL", "jane@example.com") == 1
    assert suppression.get(APP, "EMAIL", "jane@example.com") == []


def test_an_applications_suppression_list_is_listed_in_time_order(suppression):
    for i, day in enumerate(["03", "01", "02"]):
        suppression.suppress(
            _entry(f"u{i}@example.com", "HARD_BOUNCE", f"fb-{i}", f"2026-11-{day}T00:00:00Z")
        )
    suppression.suppress(make_suppression("other-app", "EMAIL", "x@example.com", "MANUAL", "operator"))
    assert [s.address for s in suppression.list(APP)] == [
        "u1@example.com",
        "u2@example.com",
        "u0@example.com",
    ]
    assert [s.address for s in suppression.list("other-app")] == ["x@example.com"]


def test_bad_suppressions_are_refused():
    with pytest.raises(ValidationError, match="reason"):
        make_suppression(APP, "EMAIL", "a@example.com", "BORED", "operator")
    with pytest.raises(ValidationError, match="not a syntactically valid email"):
        make_suppression(APP, "EMAIL", "a@", "MANUAL", "operator")


def _entry(address, reason, feedback_id, at=None):
    return make_suppression(APP, "EMAIL", address, reason, "ses-feedback", feedback_id, at)


def test_an_erased_address_stays_suppressed_under_a_keyed_hash_only(dynamodb):
    from engage.adapters.dynamodb.suppression import DynamoSuppressionList

    from tests.integration.conftest import create_table

    table = create_table(dynamodb, "SuppressionTable")
    store = DynamoSuppressionList(table, dynamodb, lambda: b"erasure-key")
    store.suppress(make_suppression(APP, "EMAIL", "Zoe@Example.com", "COMPLAINT", "ses-feedback"))
    store.suppress_erased(APP, "EMAIL", "Zoe@Example.com", "2026-11-25T10:00:00.000Z")
    assert store.remove(APP, "EMAIL", "zoe@example.com") == 1  # the entry in clear; never the marker
    (found,) = store.get(APP, "EMAIL", "ZOE@example.com")
    assert found.reason is SuppressionReason.ERASED and "zoe" not in found.address.lower()
    items = dynamodb.scan(TableName=table)["Items"]
    assert len(items) == 1 and "zoe" not in str(items).lower()
    other_key = DynamoSuppressionList(table, dynamodb, lambda: b"another-key")
    assert other_key.get(APP, "EMAIL", "zoe@example.com") == []  # the hash means nothing without the key
    assert DynamoSuppressionList(table, dynamodb).get(APP, "EMAIL", "zoe@example.com") == []


def test_erasing_consent_removes_the_decision_and_its_history(consent):
    consent.record(
        consent_record(APP, "SMS", "+12065550100", "OPTED_IN", "import", "2026-01-01T00:00:00.000Z")
    )
    consent.record(
        consent_record(APP, "SMS", "+12065550100", "OPTED_OUT", "sms-keyword", "2026-02-01T00:00:00.000Z")
    )
    assert consent.erase(APP, "SMS", "+1 206 555 0100") == 3  # two history entries and the current one
    assert (
        consent.get(APP, "SMS", "+12065550100") is None and consent.history(APP, "SMS", "+12065550100") == []
    )


def test_transient_bounces_are_counted_per_address_within_the_window_once_per_feedback_id(suppression):
    week = 7 * 24 * 3600.0
    assert suppression.count_transient("app1", "Ana@Example.org", "fb-1", "2026-11-01T10:00:00Z", week) == 1
    assert suppression.count_transient("app1", "ana@example.org", "fb-1", "2026-11-01T10:00:00Z", week) == 1
    assert suppression.count_transient("app1", "ana@example.org", "fb-2", "2026-11-05T10:00:00Z", week) == 2
    # eleven days on, the first has left the window; another application counts its own
    assert suppression.count_transient("app1", "ana@example.org", "fb-3", "2026-11-12T10:00:00Z", week) == 2
    assert suppression.count_transient("app2", "ana@example.org", "fb-4", "2026-11-12T10:00:00Z", week) == 1
    assert list(suppression.list("app1")) == []  # counted bounces are not suppressions
