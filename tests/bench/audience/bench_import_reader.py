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
from engage.audience.imports.reader import read_endpoints, summarize
started = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    summary = summarize(read_endpoints(f))
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
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - started, "processed": rows, "max_rss_kb": peak}))
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


RUNS = 3  # each reader's fastest of this many runs, taken in turns: a shared machine's noise is slowness


def _fastest(path: Path) -> tuple[dict, float, dict, float]:
    """The reader's and the bare reader's fastest runs on `path`, each with its whole process's
    time (start included), the two taken in turns so that a busy moment slows both."""
    runs: dict[str, list[tuple[dict, float]]] = {CHILD: [], BARE: []}
    for _ in range(RUNS):
        for child, done in runs.items():
            started = time.perf_counter()
            result = _run(path, child)
            done.append((result, time.perf_counter() - started))
    (ours, whole), (bare, bare_whole) = (min(done, key=lambda r: r[0]["seconds"]) for done in runs.values())
    return ours, whole, bare, bare_whole


def bench_import_reader() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.csv", Path(folder) / "large.csv"
        _write(small, size(100_000, 1_000))
        _write(large, size(1_000_000, 10_000))
        small_run, bare_small = _run(small), _run(small, BARE)
        large_run, whole, bare, bare_whole = _fastest(large)
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
        Figure(
            "import.reader.peak_rss_100k_rows",
            small_run["max_rss_kb"] / 1024,
            "MiB",
            bare_small["max_rss_kb"] / 1024,
            "the bare csv reader's process on the same file",
        ),
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


READS = frozenset({"GetItem", "Query", "BatchGetItem"})
WRITES = frozenset({"PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem"})
INDEX_KEYS = ("gsi_user", "gsi_address", "gsi_channel")  # the ContactsTable's three indexes


def write_units(operation: str, params: dict, plain: bool = False) -> float:
    """DynamoDB's documented write cost of a request: 1 unit per KB of each item written (2 in a
    transaction, unless `plain`: what the same items would cost written without one), and 1 more
    for each index a new item lands in. Item sizes are taken from the request (attribute names and
    values), rounded up to the KB."""
    import json
    import math

    def cost(body: dict, transactional: bool) -> float:
        item = body.get("Item") or {
            **body.get("Key", {}),
            **{k: v for k, v in (body.get("ExpressionAttributeValues") or {}).items()},
        }
        kb = math.ceil(len(json.dumps(item)) / 1024) or 1
        indexes = sum(1 for key in INDEX_KEYS if key in json.dumps(item)) if "Item" in body else 0
        return (1 if plain or not transactional else 2) * kb + indexes

    if operation == "TransactWriteItems":
        return sum(cost(body, True) for action in params["TransactItems"] for body in action.values())
    if operation in ("PutItem", "UpdateItem"):
        return cost(params, False)
    return 0.0


def bench_import_writes() -> list[Figure]:
    """DynamoDB requests and write units per endpoint imported, counted at the client (moto
    in-process): a chunk of new endpoints without a user, then with one (the user's endpoint count
    joins the write), then the same endpoints updated."""
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
    units: list[tuple[float, float]] = []  # (its cost, the same items' cost without transactions)
    figures = []
    with mock_aws():
        client = ClientFactory(region="us-east-1").client("dynamodb")
        store = ContactStore(
            DynamoEndpointRepository(create_table(client, "ContactsTable"), client),
            backoff=Backoff(sleep=lambda _s: None, rng=random.Random(0)),
        )
        count_requests(client, counts)
        client.meta.events.register(
            "before-parameter-build.dynamodb.*",
            lambda model, params, **_: units.append(
                (write_units(model.name, params), write_units(model.name, params, plain=True))
            ),
        )
        for label, header, row in (
            ("no_user", "ChannelType,Address,Attributes.Tier", "EMAIL,u{i}@example.com,gold"),
            ("with_user", "ChannelType,Address,User.UserId", "EMAIL,w{i}@example.com,user-{i}"),
            ("update", "ChannelType,Address,Attributes.Tier", "EMAIL,u{i}@example.com,silver"),
        ):
            body = "\n".join([header, *(row.format(i=i) for i in range(size(500, 20)))]).encode()
            records = list(read_endpoints(io.BytesIO(body)))
            counts.clear()
            units.clear()
            result = import_chunk("bench", records, store)
            writes = sum(v for k, v in counts.items() if k in WRITES)
            reads = sum(v for k, v in counts.items() if k in READS)
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
                Figure(
                    f"import.{label}.write_units_per_endpoint",
                    sum(u for u, _ in units) / result.accepted,
                    "WRU",
                    sum(b for _, b in units) / result.accepted,
                    "the same items written without transactions (1 WRU per KB, and their index entries)",
                ),
            ]
    return figures
