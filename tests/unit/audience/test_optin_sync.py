"""The opt-in sync from a customer database (engage.audience.optin_sync): DMS change records applied in
order, stale ones ignored, a new number moving the endpoint, bad rows rejected with their reason."""

from __future__ import annotations

import json

import pytest
from engage.audience.optin_sync import Columns, apply_change, parse_change
from engage.consent import ConsentStatus
from engage.errors import ValidationError

from tests.support.fakes import MemoryConsent, MemoryEndpoints, MemoryTombstones

APP = "crmapp01"


def dms(operation, row, record_type="data"):
    return {"data": row, "metadata": {"timestamp": "2026-11-20T10:00:00.000000Z", "record-type": record_type,
            "operation": operation, "partition-key-type": "primary-key", "schema-name": "public",
            "table-name": "customers", "transaction-id": 8589934592}}  # fmt: skip


def row(phone="+12065550100", optin=1, lastupdate="2026-11-20 10:00:00", **extra):
    return {"id": 42, "phone": phone, "optin": optin, "lastupdate": lastupdate, "firstname": "Ana", **extra}


@pytest.fixture
def stores():
    endpoints = MemoryEndpoints()
    endpoints.tombstones = MemoryTombstones()  # deleted customers, beside the endpoints as in the table
    return endpoints, MemoryConsent()


def apply(stores, record):
    endpoints, consents = stores
    return apply_change(
        parse_change(json.dumps(record).encode()), APP, endpoints, consents, endpoints.tombstones
    )


def test_an_insert_makes_an_opted_in_sms_endpoint_and_a_dated_consent(stores):
    endpoints, consents = stores
    assert apply(stores, dms("insert", row(phone="(206) 555-0100"))) == "APPLIED"
    endpoint = endpoints.get(APP, "cdc-42")
    assert (endpoint["ChannelType"], endpoint["Address"], endpoint["OptOut"], endpoint["User"]["UserId"]) == (
        "SMS",
        "+12065550100",
        "NONE",
        "42",
    )
    assert endpoint["Attributes"]["firstname"] == ["Ana"]
    decision = consents.get(APP, "SMS", "+12065550100")
    assert (decision.status, decision.source, decision.recorded_at) == (
        ConsentStatus.OPTED_IN, "cdc", "2026-11-20T10:00:00.000Z",
    )  # fmt: skip


def test_optin_zero_opts_out_and_an_older_change_is_ignored(stores):
    endpoints, _ = stores
    apply(stores, dms("insert", row()))
    assert apply(stores, dms("update", row(optin=0, lastupdate="2026-11-20 11:00:00"))) == "APPLIED"
    assert apply(stores, dms("update", row(optin=1, lastupdate="2026-11-20 10:30:00"))) == "STALE"
    assert endpoints.get(APP, "cdc-42")["OptOut"] == "ALL"
    assert (
        apply(stores, dms("update", row(optin=0, lastupdate="2026-11-20 11:00:00"))) == "APPLIED"
    )  # a replay


def test_a_new_number_moves_the_endpoint_and_the_old_one_is_nobodys_to_message(stores):
    endpoints, consents = stores
    apply(stores, dms("insert", row()))
    moved = apply(stores, dms("update", row(phone="+12065550177", lastupdate="2026-11-21 09:00:00")))
    assert moved == "MOVED" and endpoints.get(APP, "cdc-42")["Address"] == "+12065550177"
    assert endpoints.find_by_address(APP, "SMS", "+12065550100") == []
    assert consents.get(APP, "SMS", "+12065550100").status == ConsentStatus.OPTED_OUT
    assert consents.get(APP, "SMS", "+12065550177").status == ConsentStatus.OPTED_IN


def test_a_delete_removes_the_endpoint_and_a_late_update_does_not_bring_it_back_stale(stores):
    endpoints, consents = stores
    apply(stores, dms("insert", row()))
    assert apply(stores, dms("delete", {"id": 42, "lastupdate": "2026-11-22 00:00:00"})) == "DELETED"
    with pytest.raises(LookupError):
        endpoints.get(APP, "cdc-42")
    # an update made before the delete that arrives after it (DMS delivers late, or replays): STALE,
    # and the endpoint stays gone, its consent unchanged
    late = row(optin=0, lastupdate="2026-11-21 23:59:59", city="Tacoma")
    assert apply(stores, dms("update", late)) == "STALE"
    with pytest.raises(LookupError):
        endpoints.get(APP, "cdc-42")
    assert ("crmapp01", "cdc-42") not in endpoints.by_id
    assert consents.get(APP, "SMS", "+12065550100").status == ConsentStatus.OPTED_IN
    assert apply(stores, dms("delete", {"id": 42, "lastupdate": "2026-11-22 00:00:00"})) == "STALE", (
        "a replay"
    )
    assert apply(stores, dms("delete", {"id": 42, "lastupdate": "2026-11-23 00:00:00"})) == "ABSENT"
    with pytest.raises(LookupError):
        endpoints.get(APP, "cdc-42")


def test_control_records_change_nothing():
    assert parse_change(dms("create-table", {}, record_type="control")) is None


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (b"\xff not json", "record"),
        ({"data": {}}, "metadata"),
        (dms("truncate", row()), "operation"),
        (dms("insert", {"phone": "+12065550100", "optin": 1}), "id"),
        (dms("insert", row(optin="yes")), "optin"),
        (dms("insert", row(lastupdate="yesterday")), "lastupdate"),
    ],
)
def test_a_row_that_can_never_apply_is_named(record, field):
    with pytest.raises(ValidationError) as raised:
        parse_change(record if isinstance(record, bytes) else json.dumps(record))
    assert raised.value.field == field


@pytest.mark.parametrize("phone", ["12345", "+1 000 000 0000", None])
def test_an_invalid_number_is_rejected(stores, phone):
    with pytest.raises(ValidationError, match="phone"):
        apply(stores, dms("insert", row(phone=phone)))


def test_column_names_are_configurable():
    change = parse_change(
        dms(
            "insert",
            {"cust_no": 7, "mobile": "+12065550100", "sms_ok": "1", "changed_at": "2026-11-20 10:00:00"},
        ),
        Columns(key="cust_no", phone="mobile", opt_in="sms_ok", last_update="changed_at"),
    )
    assert (change.customer_id, change.phone, change.opted_in, change.attributes) == (
        "7",
        "+12065550100",
        True,
        {},
    )


def test_only_a_change_of_the_opt_in_column_is_a_consent_decision_and_a_later_stop_stands(stores):
    from engage.consent import consent_record

    endpoints, consents = stores
    apply(stores, dms("insert", row(optin=1, lastupdate="2026-11-20 10:00:00")))
    # the person's own STOP at 12:00, and their endpoint opted out by the keyword handler
    consents.record(
        consent_record(APP, "SMS", "+12065550100", "OPTED_OUT", "sms-keyword", "2026-11-20T12:00:00.000Z")
    )
    endpoints.upsert(APP, "cdc-42", {"OptOut": "ALL"})
    apply(stores, dms("update", row(optin=1, lastupdate="2026-11-20 12:05:00", city="Tacoma")))
    endpoint = endpoints.get(APP, "cdc-42")
    assert endpoint["OptOut"] == "ALL" and endpoint["Attributes"]["city"] == ["Tacoma"]
    assert consents.get(APP, "SMS", "+12065550100").source == "sms-keyword"
    # the opt-in column itself changes, but dated before the STOP: the STOP stands
    apply(stores, dms("update", row(optin=0, lastupdate="2026-11-20 12:06:00")))
    apply(stores, dms("update", row(optin=1, lastupdate="2026-11-20 12:07:00")))
    assert consents.get(APP, "SMS", "+12065550100").status == ConsentStatus.OPTED_IN, "a later opt-in applies"
    assert endpoints.get(APP, "cdc-42")["OptOut"] == "NONE"


def test_a_new_customer_whose_number_said_stop_later_starts_opted_out(stores):
    from engage.consent import consent_record

    endpoints, consents = stores
    consents.record(
        consent_record(APP, "SMS", "+12065550100", "OPTED_OUT", "sms-keyword", "2026-11-21T00:00:00.000Z")
    )
    apply(stores, dms("insert", row(optin=1, lastupdate="2026-11-20 10:00:00")))
    assert endpoints.get(APP, "cdc-42")["OptOut"] == "ALL"


def test_an_older_change_replayed_after_a_delete_does_not_bring_the_customer_back(stores):
    endpoints, _consents = stores
    apply(stores, dms("insert", row(lastupdate="2026-11-20 10:00:00")))
    assert apply(stores, dms("delete", {"id": 42, "lastupdate": "2026-11-20 11:00:00"})) == "DELETED"
    assert apply(stores, dms("insert", row(lastupdate="2026-11-20 10:00:00"))) == "STALE"
    assert apply(stores, dms("update", row(lastupdate="2026-11-20 11:00:00"))) == "STALE", (
        "as old as the delete"
    )
    assert ("crmapp01", "cdc-42") not in endpoints.by_id
    assert apply(stores, dms("insert", row(lastupdate="2026-11-21 09:00:00"))) == "APPLIED", "a new row"
