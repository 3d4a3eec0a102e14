"""Reader throughput on a generated 1,000,000-row CSV (decode, header mapping, syntax checks) and
its peak memory, which must stay flat as files grow (measured in child processes: 100,000 rows vs
1,000,000 rows)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools.bench import Figure, count_requests, size

CHILD = """
import json, sys, time
from engage.audience.imports.reader import read_endpoints, ImportSummary
started = time.perf_counter()
summary = ImportSummary()
with open(sys.argv[1], "rb") as f:
    for record in read_endpoints(f):
        summary.add(record)
# VmHWM: the peak resident size of this process image (ru_maxrss would include the parent's, kept
# across fork and exec on Linux).
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - started, "processed": summary.processed,
                  "accepted": summary.accepted, "max_rss_kb": peak}))
"""


BARE = """
import csv, io, json, sys, time
started = time.perf_counter()
rows = 0
with open(sys.argv[1], "rb") as f:
    reader = csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline=""))
    header = next(reader)
    for row in reader:
        dict(zip(header, row))
        rows += 1
print(json.dumps({"seconds": time.perf_counter() - started, "processed": rows}))
"""


BATCHED_WRITES = 1 / 100  # DynamoDB's TransactWriteItems takes up to 100 items
BATCHED_READS = 1 / 100  # BatchGetItem, up to 100 keys


def _write(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write(
            "Id,ChannelType,Address,User.UserId,User.UserAttributes.FirstName,Attributes.Tier,Metrics.orders,"
            "Location.Country,Demographic.Timezone\n"
        )
        for i in range(rows):
            if i % 2:
                out.write(f"e{i},EMAIL,user{i}@example.com,u{i},Name{i},gold,{i % 7},US,America/New_York\n")
            else:
                out.write(
                    f'e{i},SMS,"+1 (425) 555-{i % 10000:04d}",u{i},"Na, me{i}",silver,{i % 3},US,'
                    "America/Chicago\n"
                )


def _run(path: Path, child: str = CHILD) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", child, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def bench_import_reader() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.csv", Path(folder) / "large.csv"
        _write(small, size(100_000, 1_000))
        _write(large, size(1_000_000, 10_000))
        small_run, started = _run(small), time.perf_counter()
        large_run = _run(large)
        whole, started = time.perf_counter() - started, time.perf_counter()
        bare = _run(large, BARE)
        bare_whole = time.perf_counter() - started
        assert large_run["processed"] == bare["processed"] == size(1_000_000, 10_000)
    bare_rate = bare["processed"] / bare["seconds"]
    return [
        Figure(
            "import.reader.rows_per_second",
            large_run["processed"] / large_run["seconds"],
            "rows/s",
            bare_rate,
            "a bare csv reader mapping each row to its header, same file",
        ),
        Figure("import.reader.peak_rss_100k_rows", small_run["max_rss_kb"] / 1024, "MiB"),
        Figure(
            "import.reader.peak_rss_1m_rows",
            large_run["max_rss_kb"] / 1024,
            "MiB",
            small_run["max_rss_kb"] / 1024,
            "the same reader on 100,000 rows: flat memory is a ratio of 1",
        ),
        Figure(
            "import.reader.file_seconds_1m_rows",
            whole,
            "s",
            bare_whole,
            "the bare csv reader on the same file, its process's start included as the reader's is",
        ),
    ]


def bench_import_writes() -> list[Figure]:
    """DynamoDB requests per endpoint imported, counted at the client (moto in-process): a chunk of
    fresh endpoints without a user, then with one (the user's endpoint count joins the write)."""
    import io
    import random

    from engage.adapters.clients import ClientFactory
    from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
    from engage.audience.imports.job import import_chunk
    from engage.audience.imports.reader import read_endpoints
    from engage.contacts import ContactStore
    from engage.retry import Backoff
    from moto import mock_aws

    from devtools.template import create_table

    counts: dict[str, int] = {}
    figures = []
    with mock_aws():
        client = ClientFactory(region="us-east-1").client("dynamodb")
        store = ContactStore(
            DynamoEndpointRepository(create_table(client, "ContactsTable"), client),
            backoff=Backoff(sleep=lambda _s: None, rng=random.Random(0)),
        )
        count_requests(client, counts)
        for label, header, row in (
            ("no_user", "ChannelType,Address,Attributes.Tier", "EMAIL,u{i}@example.com,gold"),
            ("with_user", "ChannelType,Address,User.UserId", "EMAIL,w{i}@example.com,user-{i}"),
        ):
            body = "\n".join([header, *(row.format(i=i) for i in range(size(500, 20)))]).encode()
            records = list(read_endpoints(io.BytesIO(body)))
            counts.clear()
            result = import_chunk("bench", records, store)
            writes = sum(v for k, v in counts.items() if k not in ("GetItem", "Query"))
            reads = sum(v for k, v in counts.items() if k in ("GetItem", "Query"))
            figures += [
                Figure(
                    f"import.{label}.writes_per_endpoint",
                    writes / result.accepted,
                    "requests",
                    BATCHED_WRITES,
                    "the batched minimum: TransactWriteItems of 100 items",
                ),
                Figure(
                    f"import.{label}.reads_per_endpoint",
                    reads / result.accepted,
                    "requests",
                    BATCHED_READS,
                    "the batched minimum: BatchGetItem of 100 keys",
                ),
            ]
    return figures
