"""Figures for the event lake: how fast the channel-event normaliser turns SES and SMS records into
engagement events and the most memory it holds while streaming them (beside json.loads of the same
records, and its memory at a tenth of the records), and how long the campaign report's funnel takes
on DuckDB over 1,000,000 events (loading the lake, then the query; beside DuckDB's bare read_json
of the same files counted, and a bare count by campaign of the same loaded rows)."""

from __future__ import annotations

import gc
import gzip
import json
import math
import random
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
from engage.events import to_record
from engage.lake.channel_events import normalise

from devtools.bench import Figure, size
from engage_cli.lake.local import LocalLake
from engage_cli.lake.report import EMAIL_FUNNEL
from tests.support.channel_records import mail, ses, sms

RECORDS = size(50_000, 500)
ROUNDS = 3  # a shared machine's noise is slowness: the fastest of a few rounds is the figure
EVENTS = size(1_000_000, 2_000)
CAMPAIGNS = 20
SES_KINDS = ["Delivery", "Open", "Click", "Bounce", "Complaint", "DeliveryDelay", "Subscription", "Reject"]


def _channel_records(count: int) -> Iterator[dict]:
    rng = random.Random(7)
    for i in range(count):
        if i % 5 == 4:
            yield sms(message_id=f"sms-{i}", endpoint_id=f"sms-ep-{i}")
        else:
            yield ses(
                rng.choice(SES_KINDS), message=mail(f"m-{i}", f"r{i}@example.org", endpoint_id=f"ep-{i}")
            )


def bench_normaliser() -> list[Figure]:
    elapsed, decoding = _fastest_rounds()
    smaller = _streamed_peak(RECORDS // 10)
    peak = _streamed_peak(RECORDS)
    return [
        Figure(
            "lake.normaliser.records_per_second",
            RECORDS / elapsed,
            "records/s",
            RECORDS / decoding,
            "json.loads of the same records",
        ),
        Figure(
            "lake.normaliser.peak_traced_memory_50k_streamed",
            peak / 1024,
            "KiB",
            smaller / 1024,
            f"the same normaliser streaming {RECORDS // 10:,} records: flat memory is a ratio of 1",
        ),
    ]


def _fastest_rounds() -> tuple[float, float]:
    """The normaliser's seconds for RECORDS records, and the baseline's: decoding the same records
    from JSON, the least any consumer of them does. Each loop's fastest round, taken in turns."""
    records = list(_channel_records(RECORDS))  # built before timing: the normaliser is what is measured
    texts = [json.dumps(record) for record in records]

    def normalising() -> None:
        for record in records:  # each result dropped as the next is made, as a function's batch does
            to_record(normalise(record).event, arrival_ms=0)

    def decoding_json() -> None:
        for text in texts:
            json.loads(text)

    elapsed = decoding = math.inf
    for _ in range(ROUNDS):
        elapsed = min(elapsed, _timed(normalising))
        decoding = min(decoding, _timed(decoding_json))
    return elapsed, decoding


def _timed(loop: Callable[[], object]) -> float:
    """Seconds `loop` takes. The records were just made: without a collection first, the collector
    would move their millions of objects to its oldest generation during the timed loop and charge
    that to it (a fifth of the normaliser's time), which a function's batch of records never pays."""
    gc.collect()
    started = time.perf_counter()
    loop()
    return time.perf_counter() - started


def _streamed_peak(count: int) -> int:
    """The most traced memory while `count` records are normalised as they stream in, as the
    function's batches are (bytes)."""
    tracemalloc.start()
    for record in _channel_records(count):
        to_record(normalise(record).event, arrival_ms=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _write_events(root: Path, count: int) -> None:
    """`count` email events of CAMPAIGNS campaigns in the Pinpoint stream schema, as Firehose lays
    them out (one GZIP JSON-lines object per hour)."""
    rng = random.Random(11)
    kinds = ["_email.send"] * 40 + ["_email.delivered"] * 38 + ["_email.open"] * 15 + ["_email.click"] * 5
    kinds += ["_email.hardbounce", "_email.complaint"]
    per_hour = count // 24
    for hour in range(24):
        folder = root / f"events/year=2026/month=11/day=20/hour={hour:02d}"
        folder.mkdir(parents=True)
        with gzip.open(folder / "part.gz", "wt", compresslevel=1) as out:
            for i in range(per_hour):
                n = hour * per_hour + i
                kind = rng.choice(kinds)
                at = 1_795_132_800_000 + hour * 3_600_000 + i
                out.write(
                    json.dumps(
                        {
                            "event_type": kind,
                            "event_timestamp": at,
                            "arrival_timestamp": at,
                            "event_id": f"e-{n}",
                            "application": {"app_id": "benchapp"},
                            "client": {"client_id": f"ep-{n % 200_000}"},
                            "attributes": {"campaign_id": f"c-{n % CAMPAIGNS}", "message_id": f"m-{n}"},
                            "metrics": {},
                            "facets": {"email_channel": {"mail_event": {"mail": {"message_id": f"m-{n}"}}}},
                        },
                        separators=(",", ":"),
                    )
                    + "\n"
                )


def bench_funnel_over_a_million_events() -> list[Figure]:
    root = Path(tempfile.mkdtemp(prefix="engage-bench-lake-"))
    try:
        _write_events(root, EVENTS)
        started = time.perf_counter()
        lake = LocalLake(root)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        rows = lake.query(EMAIL_FUNNEL.format(where="AND application_id = 'benchapp'")).rows
        queried = time.perf_counter() - started
        assert len(rows) == CAMPAIGNS, rows  # the figure is of a real answer
        # The query's baseline: the same loaded rows counted by campaign, one bare GROUP BY.
        started = time.perf_counter()
        counted = lake.db.execute(
            "SELECT attributes['campaign_id'], count(*) FROM events GROUP BY 1"
        ).fetchall()
        grouped = time.perf_counter() - started
        assert len(counted) == CAMPAIGNS and sum(n for _, n in counted) == lake.counts["events"], counted
        # The load's baseline: DuckDB's bare read_json of the same files, counted, with as many threads.
        files = sorted(str(p) for p in (root / "events").rglob("*") if p.is_file())
        bare = duckdb.connect(config={"threads": 2})
        started = time.perf_counter()
        (read,) = bare.execute(
            "SELECT count(*) FROM read_json(?, format = 'newline_delimited')", [files]
        ).fetchone()
        reading = time.perf_counter() - started
        bare.close()
        assert read == lake.counts["events"], (read, lake.counts)
        return [
            Figure(
                "lake.local.load_1m_events",
                loaded,
                "s",
                reading,
                "DuckDB's bare read_json of the same files and a count(*), same threads",
            ),
            Figure(
                "lake.local.funnel_query_1m_events",
                queried,
                "s",
                grouped,
                "the same loaded events counted by campaign: one bare GROUP BY and count(*)",
            ),
        ]
    finally:
        shutil.rmtree(root, ignore_errors=True)
