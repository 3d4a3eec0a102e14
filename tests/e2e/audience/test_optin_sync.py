"""The opt-in sync on the local stack, from the outside: DMS-shaped change records put on the
customer-changes stream (as a DMS task with a Kinesis target writes them), and the contact and
consent stores, the rejects queue and the OnFailure queue read back."""

from __future__ import annotations

import json
import uuid

import pytest
from engage.adapters.dynamodb.consent import DynamoConsentStore
from engage.consent import ConsentStatus

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import OPT_IN_SYNC_APP, invoke

pytestmark = pytest.mark.e2e

APP = OPT_IN_SYNC_APP  # the e2e stack's OptInSyncApplicationId


class Database:
    """A customer table replicated by DMS: each change a record on the stream, keyed as DMS keys it."""

    def __init__(self, local_stack, pinpoint) -> None:
        self.outputs = local_stack.stacks["engage"].outputs
        self.kinesis, self.sqs, self.pinpoint = (
            local_stack.client("kinesis"),
            local_stack.client("sqs"),
            pinpoint,
        )
        self.consent = DynamoConsentStore(self.outputs["ConsentTableName"], local_stack.client("dynamodb"))

    def change(self, operation: str, row: dict) -> None:
        record = {"data": row, "metadata": {"timestamp": "2026-11-26T07:00:00.000000Z", "record-type": "data",
                  "operation": operation, "partition-key-type": "primary-key", "schema-name": "public",
                  "table-name": "customers", "transaction-id": 1}}  # fmt: skip
        self.put(json.dumps(record).encode(), f"public.customers.{row.get('id')}")

    def put(self, data: bytes, key: str) -> None:
        self.kinesis.put_record(
            StreamName=self.outputs["CustomerChangesStreamName"], Data=data, PartitionKey=key
        )

    def endpoint(self, customer: str) -> dict | None:
        try:
            return self.pinpoint.get_endpoint(ApplicationId=APP, EndpointId=f"cdc-{customer}")[
                "EndpointResponse"
            ]
        except self.pinpoint.exceptions.NotFoundException:
            return None

    def queued(self, output: str) -> list[dict]:
        messages = self.sqs.receive_message(QueueUrl=self.outputs[output], MaxNumberOfMessages=10).get(
            "Messages", []
        )
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.outputs[output], ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(m["Body"]) for m in messages]


@pytest.fixture(scope="module")
def database(local_stack, pinpoint):
    return Database(local_stack, pinpoint)


def customer_row(customer: str, phone: str, optin: int, at: str) -> dict:
    return {"id": customer, "phone": phone, "optin": optin, "lastupdate": at, "firstname": "Ana"}


def settled(database, customer: str, **expected) -> dict:
    def matches():
        endpoint = database.endpoint(customer)
        return endpoint if endpoint and all(endpoint.get(k) == v for k, v in expected.items()) else None

    assert wait_until(matches, 30, 0.2), (expected, database.endpoint(customer))
    return matches()


def test_changes_apply_in_order_out_of_order_ones_are_ignored_and_a_new_number_moves_the_endpoint(database):
    customer = f"c{uuid.uuid4().hex[:8]}"
    database.change("insert", customer_row(customer, "(206) 555-0131", 1, "2026-11-20 10:00:00"))
    endpoint = settled(database, customer, Address="+12065550131", OptOut="NONE")
    assert endpoint["ChannelType"] == "SMS" and endpoint["User"]["UserId"] == customer
    database.change("update", customer_row(customer, "+12065550131", 0, "2026-11-20 11:00:00"))
    database.change("update", customer_row(customer, "+12065550131", 1, "2026-11-20 10:30:00"))  # late, older
    database.change("update", customer_row(customer, "+12065550131", 0, "2026-11-20 11:00:00"))  # a replay
    marker = f"m{uuid.uuid4().hex[:8]}"  # a later change to another customer: the stream got this far
    database.change("insert", customer_row(marker, "+12065550139", 1, "2026-11-20 12:00:00"))
    settled(database, marker, OptOut="NONE")
    assert database.endpoint(customer)["OptOut"] == "ALL", "the older opt-in arrived late and was ignored"
    assert database.consent.get(APP, "SMS", "+12065550131").status == ConsentStatus.OPTED_OUT
    database.change("update", customer_row(customer, "+12065550132", 1, "2026-11-21 09:00:00"))
    settled(database, customer, Address="+12065550132", OptOut="NONE")
    assert (
        database.pinpoint.get_user_endpoints(ApplicationId=APP, UserId=customer)["EndpointsResponse"]["Item"][
            0
        ]["Address"]
        == "+12065550132"
    )
    assert database.consent.get(APP, "SMS", "+12065550131").status == ConsentStatus.OPTED_OUT, "old number"
    database.change("delete", {"id": customer, "lastupdate": "2026-11-22 00:00:00"})
    assert wait_until(lambda: database.endpoint(customer) is None, 30, 0.2)


def test_rows_that_can_never_apply_are_rejected_with_their_reason_and_the_stream_moves_on(database):
    bad, good = f"b{uuid.uuid4().hex[:8]}", f"g{uuid.uuid4().hex[:8]}"
    database.change("insert", customer_row(bad, "12345", 1, "2026-11-20 10:00:00"))
    database.put(b"\x00 not a DMS record", "garbage")
    database.change("insert", customer_row(good, "+12065550141", 1, "2026-11-20 10:00:00"))
    settled(database, good, OptOut="NONE")
    rejects: list[dict] = []
    assert wait_until(
        lambda: rejects.extend(database.queued("OptInSyncRejectsUrl")) or len(rejects) >= 2, 30, 0.2
    )
    reasons = {r["field"]: r for r in rejects}
    assert "is not a valid phone number" in reasons["phone"]["reason"] and bad in reasons["phone"]["record"]
    assert reasons["record"]["reason"].startswith("record: is not JSON")
    assert database.endpoint(bad) is None


def test_changes_that_keep_failing_go_to_the_on_failure_destination(database, faults):
    customer = f"f{uuid.uuid4().hex[:8]}"
    faults({"service": "dynamodb", "operation": "TransactWriteItems", "kind": "transient", "rate": 1.0})
    database.change("insert", customer_row(customer, "+12065550151", 1, "2026-11-20 10:00:00"))
    given_up: list[dict] = []
    assert wait_until(lambda: given_up.extend(database.queued("OptInSyncFailuresUrl")) or given_up, 120, 0.5)
    faults()
    batch = given_up[0]["KinesisBatchInfo"]
    assert (
        batch["streamArn"].endswith(database.outputs["CustomerChangesStreamName"]) and batch["batchSize"] == 1
    )
    assert database.endpoint(customer) is None


def test_the_sample_batch_applies_rejects_and_skips_as_it_should(local_stack, database):
    """events/audience/optin_sync/: the batch `sam local invoke` uses, through the deployed function,
    twice."""
    for _ in range(2):
        answered = invoke(
            local_stack, "Audience/OptInSyncFunction", _sample("audience/optin_sync/changes.json"), "engage"
        )
        assert answered["payload"] == {"batchItemFailures": []}
    endpoint = database.endpoint("9001")
    assert (endpoint["Address"], endpoint["OptOut"]) == ("+12065550112", "ALL")
    fields = [r["field"] for r in database.queued("OptInSyncRejectsUrl")]
    assert sorted(fields) == ["phone", "phone", "record", "record"], "each batch's two bad records, twice"


def test_an_unrelated_change_of_the_row_does_not_undo_the_persons_own_stop(database):
    from engage.consent import consent_record

    customer, number = f"s{uuid.uuid4().hex[:8]}", "+12065550133"
    database.change("insert", customer_row(customer, number, 1, "2026-11-20 10:00:00"))
    settled(database, customer, OptOut="NONE")
    # The person texts STOP at 12:00: the keyword handler records it and opts the endpoint out.
    database.consent.record(
        consent_record(APP, "SMS", number, "OPTED_OUT", "sms-keyword", "2026-11-20T12:00:00.000Z")
    )
    database.pinpoint.update_endpoint(
        ApplicationId=APP, EndpointId=f"cdc-{customer}", EndpointRequest={"OptOut": "ALL"}
    )
    moved = {**customer_row(customer, number, 1, "2026-11-20 12:05:00"), "city": "Tacoma"}  # a new city
    database.change("update", moved)
    endpoint = settled(database, customer)
    assert wait_until(lambda: database.endpoint(customer)["Attributes"].get("city") == ["Tacoma"], 30, 0.2)
    endpoint = database.endpoint(customer)
    assert endpoint["OptOut"] == "ALL", "the row's opt-in column did not change: consent is the person's"
    assert database.consent.get(APP, "SMS", number).status == ConsentStatus.OPTED_OUT


def test_a_replayed_older_insert_after_a_delete_does_not_bring_the_customer_back(database):
    customer = f"d{uuid.uuid4().hex[:8]}"
    database.change("insert", customer_row(customer, "+12065550134", 1, "2026-11-20 10:00:00"))
    settled(database, customer, OptOut="NONE")
    database.change("delete", {"id": customer, "lastupdate": "2026-11-20 11:00:00"})
    assert wait_until(lambda: database.endpoint(customer) is None, 30, 0.2)
    database.change("insert", customer_row(customer, "+12065550134", 1, "2026-11-20 10:00:00"))  # a replay
    marker = f"m{uuid.uuid4().hex[:8]}"  # a later change to another customer: the stream got this far
    database.change("insert", customer_row(marker, "+12065550139", 1, "2026-11-20 12:00:00"))
    settled(database, marker, OptOut="NONE")
    assert database.endpoint(customer) is None
