"""Segment evaluation, export and phone validation: throughput figures, and the PhoneNumberValidate
calls a list with duplicates, junk and known numbers costs (each unique uncached number looked up
once: junk too, since only the API's answer deactivates an endpoint)."""

from __future__ import annotations

import random
import time

from engage.audience.phone.validation import Pacer, PhoneValidation, check_offline
from engage.retry import Backoff
from engage.segments.export import write_parts
from engage.segments.service import Segments
from moto import mock_aws

from devtools.bench import Figure, size
from devtools.template import create_table
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


def bench_segment_evaluation() -> list[Figure]:
    count = size(200_000, 2_000)
    segments = Segments(
        MemorySegments(), MemoryEndpoints([_endpoint(i) for i in range(count)]), MemoryMemberLists()
    )
    segment = segments.create(APP, GROUPS)
    started = time.perf_counter()
    members = sum(1 for _ in segments.evaluate(APP, segment["Id"]))
    seconds = time.perf_counter() - started
    written = {}
    started = time.perf_counter()
    result = write_parts(
        segments.evaluate(APP, segment["Id"]),
        10_000,
        lambda index, body: written.setdefault(index, body) and str(index),
    )
    export_seconds = time.perf_counter() - started
    return [
        Figure(
            "segment evaluation, in memory (groups ALL/NONE/ANY, 200k endpoints)",
            count / seconds,
            "endpoints/s",
        ),
        Figure("segment members found", members, "endpoints"),
        Figure("export (evaluate + gzip JSON lines)", result.records / export_seconds, "endpoints/s"),
        Figure("export size", sum(len(b) for b in written.values()) / result.records, "bytes/endpoint"),
        *_evaluation_on_dynamodb(),
    ]


_NOT_LOADED = ("ApplicationId", "Id", "User")


def _evaluation_on_dynamodb() -> list[Figure]:
    """The same evaluation through the DynamoDB adapter (moto in-process: the figure includes moto's
    own overhead, so it is a floor, not what DynamoDB does)."""
    from engage.adapters.clients import ClientFactory
    from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
    from engage.contacts import ContactStore

    count = size(5_000, 100)
    with mock_aws():
        client = ClientFactory(region="us-east-1").client("dynamodb")
        repository = DynamoEndpointRepository(create_table(client, "ContactsTable"), client)
        store = ContactStore(repository)
        for i in range(count):
            endpoint = _endpoint(i)
            store.upsert(APP, endpoint["Id"], {k: v for k, v in endpoint.items() if k not in _NOT_LOADED})
        segments = Segments(MemorySegments(), repository, MemoryMemberLists())
        segment = segments.create(APP, {**GROUPS, "Name": "everyone"})
        started = time.perf_counter()
        read = sum(1 for _ in segments.evaluate(APP, segment["Id"]))
        seconds = time.perf_counter() - started
    return [
        Figure("segment evaluation through DynamoDB (moto, 5k endpoints)", count / seconds, "endpoints/s"),
        Figure("segment members found through DynamoDB", read, "endpoints"),
    ]


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
