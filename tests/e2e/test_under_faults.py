"""The core flows that exist, on the local stack with fault injection: throttled and failing AWS
calls are retried (botocore's standard mode for whole calls, engage.retry for items) and nothing is
lost or written twice."""

from __future__ import annotations

import pytest
import requests
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.adapters.kinesis.stream import KinesisEventStream
from engage.contacts import ContactStore
from engage.events import Event, emit

from engage_local.state import local_clients
from tests.support.apps import named_app
from tests.support.streams import stream_records

FAULT_APP = named_app("fault-app")

pytestmark = pytest.mark.e2e


def test_events_emitted_while_kinesis_throttles_all_arrive_exactly_once(local_stack, faults):
    outputs = local_stack.stacks["engage"].outputs
    clients = local_clients(local_stack.endpoint_url, local_stack.region, max_attempts=8)
    kinesis = clients.client("kinesis")
    faults(
        {"service": "kinesis", "operation": "PutRecords", "kind": "throttle", "rate": 0.3, "seed": 11},
        {"service": "kinesis", "operation": "PutRecords", "kind": "transient", "rate": 0.2, "seed": 12},
    )
    events = [
        Event("_custom.fault_test", FAULT_APP, f"ep-{i % 17}", attributes={"seq": str(i)})
        for i in range(1200)
    ]
    result = emit(events, KinesisEventStream(outputs["EventStreamName"], kinesis))
    rules = faults()
    assert result.records == 1200
    assert sum(r["injected"] for r in rules) == 0, "rules were cleared"
    seen = stream_records(kinesis, outputs["EventStreamName"])
    ours = [r["attributes"]["seq"] for r in seen if r["event_type"] == "_custom.fault_test"]
    assert sorted(ours, key=int) == [str(i) for i in range(1200)], "every event once, none lost or doubled"


def test_contact_writes_while_dynamodb_throttles_and_fails_all_land_once(local_stack, faults):
    outputs = local_stack.stacks["engage"].outputs
    clients = local_clients(local_stack.endpoint_url, local_stack.region, max_attempts=10)
    store = ContactStore(DynamoEndpointRepository(outputs["ContactsTableName"], clients.client("dynamodb")))
    injected = faults(
        {
            "service": "dynamodb",
            "operation": "TransactWriteItems",
            "kind": "transient",
            "rate": 0.15,
            "seed": 6,
        },
        {"service": "dynamodb", "operation": "GetItem", "kind": "throttle", "rate": 0.15, "seed": 7},
    )
    assert len(injected) == 2
    for i in range(24):
        store.upsert(
            FAULT_APP,
            f"ep-{i}",
            {
                "ChannelType": "EMAIL",
                "Address": f"u{i}@example.com",
                "User": {"UserId": f"user-{i % 4}"},
                "Attributes": {"n": [str(i)]},
            },
        )
    fired = requests.get(f"{local_stack.control.url}/faults", timeout=30).json()["rules"]
    faults()
    assert all(rule["injected"] > 0 for rule in fired), fired
    assert len(store.get_user_endpoints(FAULT_APP, "user-0")) == 6
    assert store.get(FAULT_APP, "ep-23")["Attributes"] == {"n": ["23"]}
    repository = store.repository
    assert sum(repository.user_endpoint_count(FAULT_APP, f"user-{u}") for u in range(4)) == 24, (
        "user counts stayed exact through retried transactions"
    )
