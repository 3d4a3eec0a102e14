"""Figures for campaigns and event ingestion: how fast a part of a run decides (holdout, consent,
suppression, treatments, quiet time, caps) and queues, what a local-time firing costs to check
across the world's zones, and how fast PutEvents checks a full request; each beside the least the
same work costs with the bare library, in the same run (json.dumps of the messages a part queued,
each zone's local time of the firing, json.loads of the request)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from engage.api.ingest import put_events
from engage.campaigns.hooks import HookPolicy
from engage.campaigns.model import new_campaign
from engage.campaigns.runs import RunTools, run_batch
from engage.campaigns.schedule import zones_due

from devtools.bench import Figure, size
from tests.support.fakes import MemoryCaps, MemoryConsent, MemoryQueue, MemorySuppressions

PART = size(1000, 50)
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


class _Contacts:
    def upsert(self, app_id: str, endpoint_id: str, request: dict) -> None:
        return None


def bench_campaign_part() -> list[Figure]:
    campaign = new_campaign(
        "benchapp",
        {
            "SegmentId": "s",
            "MessageConfiguration": {"SMSMessage": {"Body": "Hi {{User.UserAttributes.FirstName}}"}},
            "Schedule": {
                "StartTime": "IMMEDIATE",
                "IsLocalTime": True,
                "QuietTime": {"Start": "22:00", "End": "07:00"},
            },
            "HoldoutPercent": 10,
            "AdditionalTreatments": [
                {"SizePercent": 40, "MessageConfiguration": {"SMSMessage": {"Body": "B"}}}
            ],
            "Limits": {"Daily": 1},
        },
        "bench-campaign",
    )
    zones = ["Europe/Lisbon", "America/Chicago", "Asia/Kolkata", "Australia/Sydney"]
    endpoints = [
        {
            "Id": f"e-{i}",
            "ChannelType": "SMS",
            "Address": f"+1206555{i:04d}",
            "Demographic": {"Timezone": zones[i % len(zones)]},
            "User": {"UserAttributes": {"FirstName": ["Ana"]}},
        }
        for i in range(PART)
    ]
    runs: list[float] = []
    for _ in range(size(5, 1)):  # the best of a few parts: one takes a few milliseconds
        queue = MemoryQueue()
        tools = RunTools(
            MemoryCaps(), None, queue, MemoryConsent(), MemorySuppressions(), hook_policy=HookPolicy.SKIP
        )
        start = time.perf_counter()
        counts = run_batch(campaign, "bench-run", endpoints, NOW, tools)
        runs.append(time.perf_counter() - start)
        assert (
            sum(counts.values()) == PART + counts["Queued"] - counts["Queued"]
        )  # each endpoint counted once
    # The baseline: serialising the messages the part queued (decoded beforehand), the least a part
    # that queues them must do; the best of as many.
    messages = [json.loads(body) for body in queue.bodies]
    assert messages, counts
    dumps: list[float] = []
    for _ in range(len(runs)):
        start = time.perf_counter()
        for message in messages:
            json.dumps(message)
        dumps.append(time.perf_counter() - start)
    seconds, dumping = min(runs), min(dumps)
    return [
        Figure(
            "campaign part (1,000 endpoints, in memory) endpoints per second",
            PART / seconds,
            "endpoints/s",
            PART / dumping,
            f"json.dumps of the {len(messages)} messages the part queued, per endpoint of the part",
        )
    ]


def bench_local_time_firing() -> list[Figure]:
    campaign = {"Schedule": {"StartTime": "2026-12-01T09:00:00Z", "IsLocalTime": True, "Frequency": "ONCE"}}
    zones_due(campaign, NOW)  # the zone list is read once per process
    firings = [
        datetime(2026, 12, 3, hour, minute, tzinfo=UTC)
        for hour in range(size(24, 1))
        for minute in (0, 15, 30, 45)
    ]
    zones = sorted(available_timezones())  # the zones zones_due checks

    def check() -> None:
        for at in firings:  # the day is over everywhere: every zone is checked (the worst case)
            zones_due(campaign, at)

    def bare() -> None:  # the baseline: the firing's local time in each of the same zones, no more
        for at in firings:
            for name in zones:
                at.astimezone(ZoneInfo(name))

    timings: dict[str, list[float]] = {"check": [], "bare": []}
    for _ in range(size(3, 1)):  # in turns, the best of each: the two are close, the machine shared
        for name, run in (("check", check), ("bare", bare)):
            start = time.perf_counter()
            run()
            timings[name].append((time.perf_counter() - start) / len(firings))
    per_firing, bare_per_firing = min(timings["check"]), min(timings["bare"])
    return [
        Figure(
            "local-time firing check across all zones (worst case)",
            per_firing * 1000,
            "ms",
            bare_per_firing * 1000,
            f"the firing's bare local time (datetime.astimezone) in each of the same {len(zones)} zones",
        )
    ]


def bench_put_events() -> list[Figure]:
    request = {
        "BatchItem": {
            f"ep-{e}": {
                "Endpoint": {},
                "Events": {
                    f"ev-{e}-{n}": {
                        "EventType": "purchase_success",
                        "Timestamp": "2026-11-26T10:00:00Z",
                        "Attributes": {"sku": f"A-{n}", "plan": "gold"},
                        "Metrics": {"price": 25.0},
                    }
                    for n in range(10)
                },
            }
            for e in range(10)
        }
    }
    rounds = size(200, 5)
    start = time.perf_counter()
    for _ in range(rounds):
        put_events("benchapp", request, _Contacts())
    seconds = time.perf_counter() - start
    body = json.dumps(request)  # the baseline: decoding the same request, the least an answer needs
    start = time.perf_counter()
    for _ in range(rounds):
        json.loads(body)
    decoding = time.perf_counter() - start
    return [
        Figure(
            "PutEvents check (100-event requests) events per second",
            rounds * 100 / seconds,
            "events/s",
            rounds * 100 / decoding,
            "json.loads of the same request",
        )
    ]
