"""Figures for the foundation: what a contact write costs in DynamoDB requests, how fast the
domain validates and merges, how fast events serialise and logs redact."""

from __future__ import annotations

import copy
import json
import random
import re
import time

from engage.adapters.clients import ClientFactory
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.contacts import ContactStore
from engage.contacts.model import merge, validate_request
from engage.events import Event, to_record
from engage.redact import redact
from engage.retry import Backoff
from moto import mock_aws

from devtools.bench import Figure, count_requests, size
from devtools.template import create_table

N = size(2000, 50)


def _request(i: int) -> dict:
    return {
        "ChannelType": "SMS",
        "Address": f"+1425555{i % 10000:04d}",
        "OptOut": "NONE",
        "Attributes": {"Interests": ["golf", "tennis"], "Tier": ["gold"]},
        "Metrics": {"visits": i},
        "Location": {"Country": "US", "City": "Seattle"},
        "Demographic": {"Timezone": "America/New_York"},
        "User": {"UserId": f"user-{i}", "UserAttributes": {"FirstName": ["Jane"]}},
    }


def bench_contact_domain() -> list[Figure]:
    requests = [_request(i) for i in range(N)]
    start = time.perf_counter()
    for i, body in enumerate(requests):
        merge(None, validate_request(body), app_id="app", endpoint_id=f"ep-{i}", now="2026-11-25T00:00:00Z")
    elapsed = time.perf_counter() - start
    start = time.perf_counter()
    for body in requests:
        copy.deepcopy(body)  # the least a merge does: a new endpoint of the request's values
    copied = time.perf_counter() - start
    return [
        Figure(
            "contacts.validate_and_merge",
            N / elapsed,
            "endpoints/s",
            N / copied,
            "a deep copy of each request",
        )
    ]


def bench_contact_store_requests() -> list[Figure]:
    """DynamoDB requests per endpoint written, counted at the client (moto in-process)."""
    counts: dict[str, int] = {}
    with mock_aws():
        factory = ClientFactory(region="us-east-1")
        client = factory.client("dynamodb")
        table = create_table(client, "ContactsTable")
        count_requests(client, counts)
        store = ContactStore(
            DynamoEndpointRepository(table, client),
            backoff=Backoff(sleep=lambda _s: None, rng=random.Random(0)),
        )
        n = size(300, 10)
        for i in range(n):
            store.upsert("app", f"plain-{i}", {k: v for k, v in _request(i).items() if k != "User"})
        plain = dict(counts)
        counts.clear()
        for i in range(n):
            store.upsert("app", f"user-{i}", _request(i))
        with_user = dict(counts)
    reads = ("GetItem", "Query")
    one = "one request: a single endpoint's update can't be batched"
    return [
        Figure(
            "contacts.upsert.reads_per_endpoint",
            sum(plain.get(op, 0) for op in reads) / n,
            "requests",
            1,
            one,
        ),
        Figure(
            "contacts.upsert.writes_per_endpoint",
            sum(v for k, v in plain.items() if k not in reads) / n,
            "requests",
            1,
            one,
        ),
        Figure(
            "contacts.upsert_with_user.reads_per_endpoint",
            sum(with_user.get(op, 0) for op in reads) / n,
            "requests",
            1,
            one,
        ),
        Figure(
            "contacts.upsert_with_user.writes_per_endpoint",
            sum(v for k, v in with_user.items() if k not in reads) / n,
            "requests",
            1,
            one,
        ),
    ]


def bench_event_records() -> list[Figure]:
    events = [
        Event(
            "_email.send",
            "app",
            f"ep-{i}",
            attributes={"campaign_id": "c1", "treatment_id": "0"},
            metrics={"price": 0.1},
        )
        for i in range(N * 5)
    ]
    start = time.perf_counter()
    records = [to_record(event, arrival_ms=0) for event in events]
    elapsed = time.perf_counter() - start
    start = time.perf_counter()
    for record in records:
        json.dumps(record)
    dumped = time.perf_counter() - start
    return [
        Figure(
            "events.to_record",
            len(events) / elapsed,
            "records/s",
            len(events) / dumped,
            "json.dumps of the records it makes",
        )
    ]


def bench_redaction() -> list[Figure]:
    lines = [
        f"sent message {i} to jane{i}@example.com and +1425555{i % 10000:04d} in 12ms" for i in range(N * 5)
    ]
    start = time.perf_counter()
    for line in lines:
        redact(line)
    elapsed = time.perf_counter() - start
    email = re.compile(r"[^@\s]+@[^@\s]+")
    start = time.perf_counter()
    for line in lines:
        email.sub("*", line)  # the least a redactor does: one pattern, one pass
    one_pass = time.perf_counter() - start
    return [
        Figure(
            "logs.redact",
            len(lines) / elapsed,
            "lines/s",
            len(lines) / one_pass,
            "one regular expression (addresses) substituted over the same lines",
        )
    ]
