"""Figures for the SMS-operations stream consumers: the event-driven segment rules' records per
second (planning and applying a 500-record batch over 100 endpoints, as one Lambda invocation does),
with the contact store in memory (the domain alone) and on DynamoDB (moto in-process, one read and
one write per endpoint per batch, counted); the inbound-SMS keyword classifier's messages per
second; and the SMS drop reader's rows per second and memory. Beside each, from the same run: the
same rules applied by a bare loop to plain dicts; moto's own GetItem and PutItem of each endpoint a
batch touches (one read and one write, the design's); the fewest requests batching allows (a
BatchGetItem of 100 keys, a TransactWriteItems of 100 items); a dict lookup of the message among the
same keywords (a whole-message match); a bare csv reader over the same drop file, the reader's heap
at a tenth of the rows, and the rows written."""

from __future__ import annotations

import csv
import io
import math
import random
import time
import tracemalloc

from engage.adapters.clients import ClientFactory
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.audience.segment_rules import apply, parse_rules, plan
from engage.contacts import ContactStore
from engage.retry import Backoff
from engage.sms.drop import DropFile, DropRules, SmsDrops, read_rows
from engage.sms.keywords import DEFAULT_KEYWORDS, LIST_NAMES, keywords
from moto import mock_aws

from devtools.bench import Figure, count_requests, size
from devtools.template import create_table
from tests.support.fakes import MemoryDropStore, MemoryEndpoints, MemoryReports

BATCH, ENDPOINTS, BATCHES = size(500, 50), 100, size(20, 2)
RULES = parse_rules(
    [
        {"event_type": "_email.open", "set": {"opened_email": "true"}},
        {"event_type": "registered_for_webinar", "append": {"webinars": "$attributes.webinar_id"}},
        {"event_type": "left_webinar", "remove": {"webinars": "$attributes.webinar_id"}},
    ]
)
TYPES = ["_email.open", "registered_for_webinar", "left_webinar", "_email.send", "page_view"]


def _batches() -> list[list[tuple[str, dict]]]:
    rng = random.Random(3)
    return [
        [
            (
                f"{b}-{i}",
                {
                    "event_type": rng.choice(TYPES),
                    "application": {"app_id": "app"},
                    "client": {"client_id": f"ep-{rng.randrange(ENDPOINTS)}"},
                    "attributes": {"webinar_id": f"w-{rng.randrange(5)}"},
                },
            )
            for i in range(BATCH)
        ]
        for b in range(BATCHES)
    ]


def _endpoint(i: int) -> dict:
    return {"ApplicationId": "app", "Id": f"ep-{i}", "ChannelType": "EMAIL", "Address": f"r{i}@example.com"}


def _bare_rules(batches: list[list[tuple[str, dict]]]) -> float:
    """Records per second when a bare loop applies the same rules to plain dicts of attributes: a
    dict lookup of the event type, then the list's change."""
    by_type: dict[str, list[tuple[str, str, str]]] = {}
    for rule in RULES:
        by_type.setdefault(rule.event_type, []).append((rule.action, rule.attribute, rule.value))
    attributes: dict[str, dict[str, list[str]]] = {f"ep-{i}": {} for i in range(ENDPOINTS)}
    started = time.perf_counter()
    for batch in batches:
        for _record_id, record in batch:
            for action, name, value in by_type.get(record["event_type"], ()):
                if value.startswith("$attributes."):
                    value = record["attributes"][value.removeprefix("$attributes.")]
                values = attributes[record["client"]["client_id"]].setdefault(name, [])
                if action == "set":
                    values[:] = [value]
                elif action == "append" and value not in values:
                    values.append(value)
                elif action == "remove" and value in values:
                    values.remove(value)
    return BATCH * BATCHES / (time.perf_counter() - started)


def _touched(batch: list[tuple[str, dict]]) -> list[str]:
    """The endpoints a batch changes (the rules' endpoints with something to do)."""
    return [endpoint for (_app, endpoint), entry in plan(batch, RULES).items() if entry.operations]


def _bare_reads_and_writes(client, table: str, batches: list[list[tuple[str, dict]]]) -> float:
    """Records per second from moto's own requests alone, as the design needs them: for each batch,
    a GetItem and a PutItem of each endpoint it touches, on the same table."""
    items = {
        item["endpoint"]["M"]["Id"]["S"]: item
        for page in client.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
        if item.get("kind", {}).get("S") == "endpoint"
    }
    touched = [_touched(batch) for batch in batches]
    started = time.perf_counter()
    for endpoints in touched:
        for endpoint in endpoints:
            client.get_item(TableName=table, Key={"pk": items[endpoint]["pk"]})
            client.put_item(TableName=table, Item=items[endpoint])
    return BATCH * BATCHES / (time.perf_counter() - started)


def bench_segment_rules() -> list[Figure]:
    batches = _batches()
    memory = MemoryEndpoints([_endpoint(i) for i in range(ENDPOINTS)])
    started = time.perf_counter()
    for batch in batches:
        apply(plan(batch, RULES), memory)
    in_memory = BATCH * BATCHES / (time.perf_counter() - started)
    bare = _bare_rules(batches)
    fewest = sum(2 * math.ceil(len(_touched(batch)) / 100) for batch in batches)
    counts: dict[str, int] = {}
    with mock_aws():
        client = ClientFactory(region="us-east-1").client("dynamodb")
        store = ContactStore(
            DynamoEndpointRepository(create_table(client, "ContactsTable"), client),
            backoff=Backoff(sleep=lambda _s: None, rng=random.Random(0)),
        )
        for i in range(ENDPOINTS):
            endpoint = _endpoint(i)
            store.upsert("app", endpoint["Id"], {"ChannelType": "EMAIL", "Address": endpoint["Address"]})
        count_requests(client, counts)
        started = time.perf_counter()
        for batch in batches:
            apply(plan(batch, RULES), store)
        on_moto = BATCH * BATCHES / (time.perf_counter() - started)
        requests = sum(counts.values())
        on_moto_bare = _bare_reads_and_writes(client, "ContactsTable", batches)
    records = BATCH * BATCHES
    batched = (
        "the batched minimum: each batch's touched endpoints read by BatchGetItem (100 keys), written by "
    )
    return [
        Figure(
            "segment_rules.records_per_second.memory_store",
            in_memory,
            "records/s",
            bare,
            "the same rules applied by a bare loop to plain dicts (event type looked up, list changed)",
        ),
        Figure(
            "segment_rules.records_per_second.dynamodb_moto",
            on_moto,
            "records/s",
            on_moto_bare,
            "moto's own GetItem and PutItem of each endpoint a batch touches (one read, one write), "
            "same table",
        ),
        Figure(
            "segment_rules.dynamodb_requests_per_record",
            requests / records,
            "requests",
            fewest / records,
            batched + "TransactWriteItems (100 items)",
        ),
    ]


def bench_sms_keywords() -> list[Figure]:
    classify = keywords().classify
    messages = [
        "please stop texting me",
        "See you this WEEKEND",
        "START",
        "help",
        "wrong number sorry",
    ] * 4000
    started = time.perf_counter()
    for message in messages:
        classify(message)
    rate = len(messages) / (time.perf_counter() - started)
    # The baseline: a dict lookup of the whole message among the same keywords (as a whole-message
    # keyword match reads a reply), trimmed and lower-cased.
    known = {word: name for name in LIST_NAMES for lang in DEFAULT_KEYWORDS.values() for word in lang[name]}
    started = time.perf_counter()
    for message in messages:
        known.get(message.strip().lower())
    bare = len(messages) / (time.perf_counter() - started)
    return [
        Figure(
            "sms_keywords.messages_per_second",
            rate,
            "messages/s",
            bare,
            "a dict lookup of each trimmed, lower-cased message among the same keywords",
        )
    ]


DROP_ROWS = size(50_000, 500)  # SmsDropMaxRows' default


def _drop_file(rows: int) -> bytes:
    lines = ["sms_number,message,external_campaign_id,message_type\n"]
    lines += [
        f"+12062{n:06d},Flash sale {n}: 20% off today. Reply STOP to opt out,flash,PROMOTIONAL\n"
        for n in range(rows)
    ]
    return "".join(lines).encode()


class _SentQueue:
    """A queue that only counts: what SQS holds is not the reader's memory."""

    def __init__(self) -> None:
        self.sent = 0

    def enqueue(self, bodies, groups=None, dedup_ids=None) -> list[str | None]:
        self.sent += len(bodies)
        return [f"m-{self.sent}-{n}" for n in range(len(bodies))]


def bench_sms_drop() -> list[Figure]:
    """The SMS drop reader: rows per second read and validated (CSV, E.164 with phonenumbers, the
    encoding and parts), and the whole read (rows queued on an in-memory FIFO queue in batches of
    ten), with the Python heap's peak over a file of SmsDropMaxRows rows (the duplicate check keeps a
    16-byte digest per accepted row; the file itself is streamed)."""
    data = _drop_file(DROP_ROWS)
    started = time.perf_counter()
    accepted = sum(1 for row in read_rows(io.BytesIO(data), DropRules()) if row.error is None)
    validated = DROP_ROWS / (time.perf_counter() - started)

    def read(version: str, body: bytes = data) -> SmsDrops:
        flow = SmsDrops(
            MemoryDropStore(), _SentQueue(), MemoryReports(), lambda a, c, n: f"address-{n[-4:]:0>32}"
        )
        flow.read(DropFile("b", "sms-drops/app/flash.csv", version), io.BytesIO(body), 0.0)
        return flow

    started = time.perf_counter()
    read("v1")
    queued = DROP_ROWS / (time.perf_counter() - started)
    bare = _bare_csv(data)

    def heap(version: str, body: bytes) -> tuple[SmsDrops, float]:
        tracemalloc.start()  # slows Python down: a run of its own, for the memory alone
        flow = read(version, body)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return flow, peak / 2**20

    _, smaller = heap("v2", _drop_file(DROP_ROWS // 10))
    flow, peak = heap("v3", data)
    assert flow.queue.sent == DROP_ROWS
    csv_reader = "a bare csv reader mapping each row of the same file to its header"
    return [
        Figure("sms_drop.rows_per_second.validated", validated, "rows/s", bare, csv_reader),
        Figure("sms_drop.rows_per_second.read_and_queued_in_memory", queued, "rows/s", bare, csv_reader),
        Figure(
            "sms_drop.heap_peak_of_a_read",
            peak,
            "MiB",
            smaller,
            f"the same read of a {DROP_ROWS // 10:,}-row file: flat memory is a ratio of 1",
        ),
        Figure(
            "sms_drop.rows_accepted_of_50000",
            accepted,
            "rows",
            DROP_ROWS,
            "the rows written to the file, every one valid",
        ),
    ]


def _bare_csv(data: bytes) -> float:
    """Rows per second from a bare csv reader mapping each row of the file to its header."""
    started = time.perf_counter()
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""))
    header = next(reader)
    rows = sum(1 for row in reader if dict(zip(header, row, strict=False)))
    assert rows == DROP_ROWS, rows
    return rows / (time.perf_counter() - started)
