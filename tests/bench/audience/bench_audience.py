"""Segment evaluation, export and phone validation: throughput figures, and the PhoneNumberValidate
calls a list with duplicates, junk and known numbers costs (each unique uncached number looked up
once: junk too, since only the API's answer deactivates an endpoint)."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import math
import random
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import botocore.parsers
from engage.addresses import ChannelType
from engage.audience.phone.validation import Pacer, PhoneValidation, check_offline
from engage.campaigns.wiring import CampaignSettings
from engage.retry import Backoff
from engage.segments.export import write_parts
from engage.segments.service import Segments
from moto import mock_aws

from devtools.bench import Figure, size
from devtools.template import app_template, create_table, resource
from tests.support.fakes import (
    MemoryEndpoints,
    MemoryMemberLists,
    MemoryNumberCache,
    MemorySegments,
    ScriptedValidator,
)

APP = "bench"
GROUPS = {
    "Name": "bench",
    "SegmentGroups": {
        "Include": "ALL",
        "Groups": [
            {
                "Type": "NONE",
                "Dimensions": [{"Attributes": {"PNV_PhoneNumberValidated": {"Values": ["Yes"]}}}],
            },
            {
                "Type": "ANY",
                "Dimensions": [
                    {"Metrics": {"orders": {"ComparisonOperator": "GREATER_THAN", "Value": 2}}},
                    {"Location": {"Country": {"Values": ["US", "CA"]}}},
                ],
            },
        ],
    },
}


def _endpoint(i: int) -> dict:
    return {
        "ApplicationId": APP,
        "Id": f"e{i}",
        "ChannelType": "SMS" if i % 2 else "EMAIL",
        "Address": f"+1206{i % 10_000_000:07d}" if i % 2 else f"user{i}@example.com",
        "Attributes": {"Plan": ["gold" if i % 3 else "free"], "SignedUp": [f"2026-{i % 12 + 1:02d}-01"]},
        "Metrics": {"orders": float(i % 5)},
        "Location": {"Country": ["US", "GB", "CA", "DE"][i % 4]},
        "User": {"UserId": f"u{i}", "UserAttributes": {"FirstName": [f"N{i}"]}},
    }


class GeneratedEndpoints:
    """The contact store's reads (engage.segments.service.EndpointSource) over `count` endpoints
    made when read (`_endpoint(i)`), never held: a million fit in no memory at all. Even numbers
    are EMAIL endpoints, odd ones SMS; part n of N holds the numbers n, n + N, ... (DynamoDB splits by
    a hash of the key instead: the same cost per endpoint)."""

    shard_count = 8

    def __init__(self, count: int) -> None:
        self.count = count
        self._shards: bytes | None = None  # each endpoint's ByChannel shard, worked out when asked

    def by_channel(
        self, app_id: str, channel: str, shards: Sequence[int] | None = None, with_activity: bool = False
    ) -> Iterator[dict]:
        first = {"EMAIL": 0, "SMS": 1}.get(channel)
        if first is None:
            return
        if shards is None:
            yield from map(_endpoint, range(first, self.count, 2))
            return
        if self._shards is None:
            self._shards = bytes(zlib.crc32(f"e{i}".encode()) % self.shard_count for i in range(self.count))
        wanted, of = set(shards), self._shards
        yield from (_endpoint(i) for i in range(first, self.count, 2) if of[i] in wanted)

    def part(
        self,
        app_id: str,
        part: int,
        parts: int,
        channels: Sequence[str] | None = None,
        with_activity: bool = False,
    ) -> Iterator[dict]:
        for i in range(part, self.count, parts):
            endpoint = _endpoint(i)
            if channels is None or endpoint["ChannelType"] in channels:
                yield endpoint

    def stored_items(self) -> int:
        return self.count

    def get_many(self, app_id: str, endpoint_ids: Sequence[str]) -> list[dict]:
        return [_endpoint(int(i[1:])) for i in endpoint_ids]

    def members(self) -> int:
        """How many endpoints GROUPS selects, from the rule they were made by: none is validated
        (NONE passes), and ANY holds for more than 2 orders (i % 5 > 2) or a country of US or CA
        (i % 4 in 0, 2: the even numbers)."""
        return sum(1 for i in range(self.count) if i % 5 > 2 or i % 2 == 0)


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _bare_read(source: GeneratedEndpoints) -> int:
    """The least an evaluation does: read every endpoint of every channel once, one key looked at."""
    return sum(1 for c in ChannelType for e in source.by_channel(APP, c.value) if e["ChannelType"])


def bench_segment_evaluation() -> list[Figure]:
    count = size(1_000_000, 2_000)
    source = GeneratedEndpoints(count)
    segments = Segments(MemorySegments(), source, MemoryMemberLists())
    segment = segments.create(APP, GROUPS)
    bare_seconds, _ = _timed(lambda: _bare_read(source))
    seconds, members = _timed(lambda: sum(1 for _ in segments.evaluate(APP, segment["Id"])))
    estimate_seconds, estimate = _timed(lambda: segments.estimate(APP, segment["Id"]))
    sampled_seconds, sampled = _timed(lambda: segments.estimate(APP, segment["Id"], sample_shards=1))
    assert estimate["Size"] == members and abs(sampled["Size"] - members) < max(0.05 * members, 200)

    exported = GeneratedEndpoints(size(200_000, 2_000))
    export_segments = Segments(MemorySegments(), exported, MemoryMemberLists())
    export_segment = export_segments.create(APP, GROUPS)
    written: dict[int, bytes] = {}
    export_seconds, result = _timed(
        lambda: write_parts(
            export_segments.evaluate(APP, export_segment["Id"]),
            10_000,
            lambda index, body: written.setdefault(index, body) and str(index),
        )
    )
    bare_export_seconds, raw_bytes = _timed(lambda: _bare_export(exported))
    thousands = f"{count // 1000:,}k" if count < 1_000_000 else f"{count // 1_000_000}M"
    return [
        Figure(
            f"segment evaluation, in memory, one worker (groups ALL/NONE/ANY, {thousands} endpoints)",
            count / seconds,
            "endpoints/s",
            count / bare_seconds,
            "the bare read: the same endpoints made and read once each, one key looked at",
        ),
        Figure(
            "segment members found",
            members,
            "endpoints",
            source.members(),
            "the members by the rule the endpoints were made by",
        ),
        Figure(
            f"segment size estimate, exact ({thousands} endpoints)",
            estimate_seconds,
            "s",
            bare_seconds,
            "the bare read of the same endpoints",
        ),
        Figure(
            f"segment size estimate, sampled on 1 of 8 shards ({thousands} endpoints)",
            sampled_seconds,
            "s",
            estimate_seconds,
            "the exact estimate",
        ),
        Figure(
            "export (evaluate + gzip JSON lines)",
            result.records / export_seconds,
            "endpoints/s",
            result.records / bare_export_seconds,
            "the bare library: json.dumps and gzip of the same members, no evaluation",
        ),
        Figure(
            "export size",
            sum(len(b) for b in written.values()) / result.records,
            "bytes/endpoint",
            raw_bytes / result.records,
            "the same JSON lines uncompressed",
        ),
        *_evaluation_on_dynamodb(),
    ]


def _bare_export(source: GeneratedEndpoints) -> int:
    """The least an export does: the members (picked by the rule they were made by) as JSON lines,
    gzipped; the lines' uncompressed bytes."""
    raw = 0
    with gzip.GzipFile(fileobj=io.BytesIO(), mode="wb", mtime=0) as out:
        for i in range(source.count):
            if i % 5 > 2 or i % 2 == 0:
                line = json.dumps(_endpoint(i), separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
                out.write(line)
                raw += len(line)
    return raw


_NOT_LOADED = ("ApplicationId", "Id", "User")
PARTS = 8  # the parts the moto figures split the audience in
PART_SIZE = CampaignSettings.part_size  # endpoints per part written for the sending Map
AUDIENCE = 1_000_000  # the audience the AWS time is modelled for


def _evaluation_on_dynamodb() -> list[Figure]:
    """The same evaluation through the DynamoDB adapter on moto in-process, whole (the channel
    index, shard by shard) and in parts (a parallel Scan's segments), each beside the bare boto3
    requests it makes; the CPU a worker spends per endpoint on a real Scan page, replayed without
    moto; and the time a million-endpoint audience takes on AWS, modelled from those."""
    from engage.adapters.clients import ClientFactory
    from engage.adapters.dynamodb.contacts import CHANNEL_SHARDS, DynamoEndpointRepository
    from engage.contacts import ContactStore

    count = size(5_000, 100)
    with mock_aws():
        client = ClientFactory(region="us-east-1").client("dynamodb")
        table = create_table(client, "ContactsTable")
        repository = DynamoEndpointRepository(table, client)
        store = ContactStore(repository)
        for i in range(count):
            endpoint = _endpoint(i)
            store.upsert(APP, endpoint["Id"], {k: v for k, v in endpoint.items() if k not in _NOT_LOADED})
        segments = Segments(MemorySegments(), repository, MemoryMemberLists())
        segment = segments.create(APP, {**GROUPS, "Name": "everyone"})
        seconds, read = _timed(lambda: sum(1 for _ in segments.evaluate(APP, segment["Id"])))
        queries = [_query(table, f"{APP}#{c.value}#{s}") for c in ChannelType for s in range(CHANNEL_SHARDS)]
        bare_seconds, _ = _timed(lambda: _bare_requests(client, "query", queries))
        part_seconds, in_parts = _timed(
            lambda: [
                sum(1 for _ in segments.evaluate_part(APP, segment["Id"], n, PARTS)) for n in range(PARTS)
            ]
        )
        scans = [_scan(table, n, PARTS) for n in range(PARTS)]
        bare_part_seconds, _ = _timed(lambda: _bare_requests(client, "scan", scans))
        stored = _pages(client, {"TableName": table})
        item_bytes = statistics.fmean(_item_size(i) for i in stored if i["pk"]["S"].startswith("EP#"))
        worker = _worker_on_pages(client, _pages(client, _scan(table, 0, 1)), item_bytes)
    model = _modelled(worker["seconds_per_endpoint"], item_bytes)
    single = _modelled(worker["seconds_per_endpoint"], item_bytes, parts=1)
    minute = "the minute asked for"
    return [
        Figure(
            f"segment evaluation through DynamoDB, whole (moto, {count:,} endpoints)",
            count / seconds,
            "endpoints/s",
            count / bare_seconds,
            "the bare requests: the same ByChannel queries' pages through boto3, nothing decoded",
        ),
        Figure(
            "segment members found through DynamoDB",
            read,
            "endpoints",
            GeneratedEndpoints(count).members(),
            "the members by the rule the endpoints were made by",
        ),
        Figure(
            f"segment evaluation through DynamoDB, one part of {PARTS} at a time (moto parallel Scan)",
            count / part_seconds,
            "endpoints/s",
            count / bare_part_seconds,
            "the bare requests: the same Scan segments' pages (same filter) through boto3, nothing decoded",
        ),
        Figure(
            f"segment members found over {PARTS} parts through DynamoDB",
            sum(in_parts),
            "endpoints",
            read,
            "the whole evaluation's members (each endpoint in one part only)",
        ),
        Figure(
            "segment evaluation per worker on replayed Scan pages (parse, decode, evaluate, gzip parts)",
            1 / worker["seconds_per_endpoint"],
            "endpoints/s",
            1 / worker["bare_seconds_per_endpoint"],
            "json.loads of the same page bodies",
        ),
        Figure(
            f"modelled AWS time to resolve a {AUDIENCE:,}-endpoint audience in {model['parts']} parts",
            model["seconds"],
            "s",
            60.0,
            minute,
        ),
        Figure(
            f"modelled AWS time to resolve a {AUDIENCE:,}-endpoint audience in 1 part",
            single["seconds"],
            "s",
            60.0,
            minute,
        ),
    ]


def _pages(client: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for page in client.get_paginator("scan").paginate(**request) for item in page["Items"]]


def _query(table: str, key: str) -> dict[str, Any]:
    return {
        "TableName": table,
        "IndexName": "ByChannel",
        "KeyConditionExpression": "#k = :v",
        "ExpressionAttributeNames": {"#k": "gsi_channel"},
        "ExpressionAttributeValues": {":v": {"S": key}},
    }


def _scan(table: str, part: int, parts: int) -> dict[str, Any]:
    """The Scan DynamoEndpointRepository.part makes (every channel)."""
    return {
        "TableName": table,
        "Segment": part,
        "TotalSegments": parts,
        "FilterExpression": "begins_with(#pk, :prefix)",
        "ProjectionExpression": "#e, #a",
        "ExpressionAttributeNames": {"#pk": "pk", "#e": "endpoint", "#a": "last_activity"},
        "ExpressionAttributeValues": {":prefix": {"S": f"EP#{APP}#"}},
    }


def _bare_requests(client: Any, operation: str, requests: list[dict[str, Any]]) -> int:
    paginator = client.get_paginator(operation)
    return sum(len(page["Items"]) for request in requests for page in paginator.paginate(**request))


def _item_size(value: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it for reads: names and values, 3 bytes per map or list and
    1 per element (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)."""
    return sum(len(name.encode()) + _value_size(v) for name, v in value.items())


def _value_size(value: Mapping[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        digits = v.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "L":
        return 3 + sum(1 + _value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(e) for k, e in v.items())
    return len(json.dumps(v))


class _ReplayedScan:
    """A DynamoDB client whose Scan pages are recorded bodies, parsed by botocore as an answer off
    the network is: what a worker's CPU does per page, without moto or a network."""

    def __init__(self, client: Any, bodies: list[bytes]) -> None:
        self.bodies = bodies
        self.shape = client.meta.service_model.operation_model("Scan").output_shape
        self.parser = botocore.parsers.create_parser(client.meta.service_model.protocol)

    def get_paginator(self, _operation: str) -> _ReplayedScan:
        return self

    def paginate(self, **_request: Any) -> Iterator[dict[str, Any]]:
        for body in self.bodies:
            yield self.parser.parse({"body": body, "headers": {}, "status_code": 200}, self.shape)


def _worker_on_pages(client: Any, items: list[dict[str, Any]], item_bytes: float) -> dict[str, float]:
    """A part's work per endpoint (DynamoEndpointRepository.part's pages parsed and decoded, the
    segment's predicate, the members written as gzipped parts of PART_SIZE) over pages of the moto
    table's own items, as many a page as 1 MB of stored items holds, replayed to a size."""
    from engage.adapters.dynamodb.contacts import DynamoEndpointRepository

    per_page = max(1, int(PAGE_BYTES // item_bytes))
    wanted = size(200_000, 1_000)
    cycled = [items[i % len(items)] for i in range(wanted)]
    bodies = [
        json.dumps({"Count": len(chunk), "ScannedCount": len(chunk), "Items": chunk}).encode()
        for chunk in itertools.batched(cycled, per_page, strict=False)
    ]
    repository = DynamoEndpointRepository("replayed", _ReplayedScan(client, bodies))
    segments = Segments(MemorySegments(), repository, MemoryMemberLists())
    segment = segments.create(APP, GROUPS)
    seconds, _ = _timed(
        lambda: write_parts(segments.evaluate_part(APP, segment["Id"], 0, 1), PART_SIZE, lambda i, _b: str(i))
    )
    bare_seconds, _ = _timed(lambda: sum(len(json.loads(body)["Items"]) for body in bodies))
    return {"seconds_per_endpoint": seconds / wanted, "bare_seconds_per_endpoint": bare_seconds / wanted}


# The AWS model's inputs (docs/benchmarks.md, "Segment evaluation at a million"). From DynamoDB's
# documentation: a Scan page reads at most 1 MB of items (API_Scan); an eventually consistent read
# costs half a read unit per 4 KB (read-write-operations), counted on the size of the items a Scan
# reads, not returns; a partition serves at most 3,000 read units a second, and a new on-demand
# table's warm throughput is 12,000 read units a second (warm-throughput-scenarios); a Scan segment
# reads one partition at a time. From Lambda's: a function has one vCPU at 1,769 MB, a share in
# proportion below.
PAGE_BYTES = 1024 * 1024
READ_UNIT_BYTES = 4096
PARTITION_READ_UNITS = 3_000
TABLE_READ_UNITS = 12_000
FULL_VCPU_MB = 1_769
# Assumed, neither documented nor measured here: a page's round trip beyond its read-rate bound, an
# S3 PutObject of a part, and the steps around the Map (Plan, the Map's start, cold starts, Begin).
PAGE_ROUND_TRIP = 0.010
PUT_SECONDS = 0.030
FIXED_SECONDS = 3.0


def _modelled(seconds_per_endpoint: float, item_bytes: float, parts: int | None = None) -> dict[str, Any]:
    """The time from the run's start to its sending Map, for AUDIENCE endpoints of `item_bytes` each
    in a table holding only them, resolved in `parts` (default: as the campaign settings plan it) by
    Lambda functions of the campaign start's memory, each doing its part's pages one after the
    other: read (the per-partition rate, plus a round trip), CPU (measured here, scaled to the
    function's share of a vCPU, taking one vCPU for one core of this machine), parts written; never
    faster than the table's read rate allows the whole."""
    settings = CampaignSettings()
    if parts is None:
        parts = max(1, min(settings.audience_parts, math.ceil(AUDIENCE / settings.audience_part_items)))
    function = resource("CampaignStartFunction", "campaigns")["Properties"]
    memory = function.get("MemorySize") or app_template("campaigns")["Globals"]["Function"]["MemorySize"]
    endpoints = math.ceil(AUDIENCE / parts)
    pages = math.ceil(endpoints * item_bytes / PAGE_BYTES)
    page_units = PAGE_BYTES / READ_UNIT_BYTES / 2
    read = pages * (page_units / PARTITION_READ_UNITS + PAGE_ROUND_TRIP)
    cpu = endpoints * seconds_per_endpoint * max(1.0, FULL_VCPU_MB / memory)
    writes = math.ceil(endpoints / settings.part_size) * PUT_SECONDS
    table = AUDIENCE * item_bytes / READ_UNIT_BYTES / 2 / TABLE_READ_UNITS
    seconds = FIXED_SECONDS + max(read + cpu + writes, table)
    print(
        f"model: {AUDIENCE:,} endpoints of {item_bytes:.0f} B in {parts} part(s) at {memory} MB: per part "
        f"{pages} pages read in {read:.1f}s + CPU {cpu:.1f}s + {writes:.1f}s of writes; the table's "
        f"read rate alone {table:.1f}s; with {FIXED_SECONDS:.0f}s around the Map: {seconds:.1f}s",
        file=sys.stderr,
    )
    return {"parts": parts, "seconds": seconds}


def _numbers(count: int, rng: random.Random) -> list[str]:
    return [f"+1206{rng.randrange(2_000_000, 9_999_999):07d}" for _ in range(count)]


def _phone_endpoints(addresses: list[str]) -> list[dict]:
    return [
        {"ApplicationId": APP, "Id": f"p{i}", "ChannelType": "SMS", "Address": a}
        for i, a in enumerate(addresses)
    ]


def _run(endpoints: list[dict], cache: MemoryNumberCache, validator: ScriptedValidator) -> float:
    store = MemoryEndpoints(endpoints)
    validation = PhoneValidation(
        app_id=APP,
        contacts=store,
        cache=cache,
        validator=validator,
        pacer=Pacer(1e9),
        owner="bench",
        backoff=Backoff(sleep=lambda _s: None),
    )
    started = time.perf_counter()
    validation.run(endpoints)
    return time.perf_counter() - started


def bench_phone_validation() -> list[Figure]:
    rng = random.Random(8)
    numbers = _numbers(size(20_000, 200), rng)
    started = time.perf_counter()
    for address in numbers:
        check_offline({"Address": address}, "US")
    offline = len(numbers) / (time.perf_counter() - started)

    endpoints = _phone_endpoints(numbers)
    cache, validator = MemoryNumberCache(), ScriptedValidator()
    uncached = len(endpoints) / _run(endpoints, cache, validator)  # every number looked up (no network)
    cached = len(endpoints) / _run(_phone_endpoints(numbers), cache, ScriptedValidator())

    # 1,000 entries: 550 unique plausible numbers of which 50 are known, 250 repeats in other
    # spellings, 100 junk, 100 numbers that cannot exist
    unique = _numbers(550, rng)
    known, repeats = unique[:50], [f"(206) {n[5:8]}-{n[8:]}" for n in rng.choices(unique, k=250)]
    junk = [f"555-{rng.randrange(1000, 9999)}" for _ in range(100)]
    impossible = [f"+1206555{rng.randrange(0, 99):02d}" for _ in range(100)]
    listing = unique + repeats + junk + impossible
    rng.shuffle(listing)
    cache, validator = MemoryNumberCache(), ScriptedValidator()
    for number in known:
        cache.store(number, {"PhoneType": "MOBILE", "CleansedPhoneNumberE164": number}, 3600)
    _run(_phone_endpoints(listing), cache, validator)
    library = "the bare library: phonenumbers' parse and validity check"
    return [
        Figure(
            "validation pipeline, uncached (lookup stubbed, no pacing)",
            uncached,
            "numbers/s",
            offline,
            library,
        ),
        Figure("validation pipeline, all cached", cached, "numbers/s", offline, library),
        Figure(
            "PhoneNumberValidate calls per 1,000 listed numbers",
            len(validator.calls),
            "calls",
            len(set(unique) - set(known)) + len(set(junk)) + len(set(impossible)),
            "one per unique uncached number: the plausible ones, and the junk and impossible ones once each",
        ),
    ]
