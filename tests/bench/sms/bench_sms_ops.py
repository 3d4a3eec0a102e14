"""Figures for the SMS-operations stream consumers: the event-driven segment rules' records per
second (planning and applying a 500-record batch over 100 endpoints, as one Lambda invocation does),
with the contact store in memory (the domain alone) and on DynamoDB (moto in-process, one read and
one write per endpoint per batch, counted); the inbound-SMS keyword classifier's messages per
second; and the SMS drop reader's rows per second and memory."""

from __future__ import annotations

import io
import random
import time
import tracemalloc

from engage.adapters.clients import ClientFactory
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.audience.segment_rules import apply, parse_rules, plan
from engage.contacts import ContactStore
from engage.retry import Backoff
from engage.sms.drop import DropFile, DropRules, SmsDrops, read_rows
from engage.sms.keywords import keywords
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


def bench_segment_rules() -> list[Figure]:
    batches = _batches()
    memory = MemoryEndpoints([_endpoint(i) for i in range(ENDPOINTS)])
    started = time.perf_counter()
    for batch in batches:
        apply(plan(batch, RULES), memory)
    in_memory = BATCH * BATCHES / (time.perf_counter() - started)
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
    return [
        Figure("segment_rules.records_per_second.memory_store", in_memory, "records/s"),
        Figure("segment_rules.records_per_second.dynamodb_moto", on_moto, "records/s"),
        Figure("segment_rules.dynamodb_requests_per_record", requests / (BATCH * BATCHES), "requests"),
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
    return [
        Figure(
            "sms_keywords.messages_per_second", len(messages) / (time.perf_counter() - started), "messages/s"
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

    def read(version: str) -> SmsDrops:
        flow = SmsDrops(
            MemoryDropStore(), _SentQueue(), MemoryReports(), lambda a, c, n: f"address-{n[-4:]:0>32}"
        )
        flow.read(DropFile("b", "sms-drops/app/flash.csv", version), io.BytesIO(data), 0.0)
        return flow

    started = time.perf_counter()
    read("v1")
    queued = DROP_ROWS / (time.perf_counter() - started)
    tracemalloc.start()  # slows Python down: a second run, for the memory alone
    flow = read("v2")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert flow.queue.sent == DROP_ROWS
    return [
        Figure("sms_drop.rows_per_second.validated", validated, "rows/s"),
        Figure("sms_drop.rows_per_second.read_and_queued_in_memory", queued, "rows/s"),
        Figure("sms_drop.heap_peak_of_a_read", peak / 2**20, "MiB"),
        Figure("sms_drop.rows_accepted_of_50000", accepted, "rows"),
    ]
