"""Imports at scale on the local stack: a file of 1,000,000 rows dropped and imported end to end (the
endpoints counted in the store afterwards), and a file of 10,000,000 rows through the split stage
alone (the scan that cuts it into pieces, called as the workflow calls it), every Lambda invocation
timed. Beside them, the time the same import is modelled to take on AWS, from the measured cost of
a piece and DynamoDB's documented write costs and default quotas (docs/benchmarks.md: Imports at
scale)."""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from devtools.bench import Figure, size
from engage_local import runtime
from engage_local.deploy import ACCOUNT_ID
from engage_local.stack import LocalStack
from tests.bench.audience.bench_import_reader import _write
from tests.support.apps import create_app, local_pinpoint

ROWS = size(1_000_000, 2_000)
SPLIT_ROWS = size(10_000_000, 20_000)
PIECE_BYTES = 4 * 1024 * 1024  # the stack's default
LOCAL_PIECE_BYTES = PIECE_BYTES // 4

# The AWS model's inputs (docs/benchmarks.md). From DynamoDB's documentation: a transactional write
# costs 2 write units per KB of item, each global secondary index the item lands in 1 more; a new
# on-demand table serves 40,000 write units a second by default (a quota that can be raised).
ENDPOINT_WRITE_UNITS = 2 + 3  # the endpoint item (< 1 KB, transactional) and its three indexes
TABLE_WRITE_UNITS = 40_000
RAISED_WRITE_UNITS = 100_000
# Assumed, not measured here: TransactWriteItems of 100 items answers in 50 ms, BatchGetItem of 100
# keys in 10 ms; S3 streams one object at 90 MB/s to one function.
TRANSACTION_SECONDS = 0.050
BATCH_GET_SECONDS = 0.010
S3_BYTES_PER_SECOND = 90e6


class _Timed:
    """Every invocation of the local stack's functions, by function: (seconds each)."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self._original = runtime.Worker.invoke

    def __enter__(self) -> _Timed:
        timed, seconds = self._original, self.seconds

        def invoke(worker, event, function_arn):
            result = timed(worker, event, function_arn)
            seconds[function_arn.rsplit(":", 1)[-1]].append(result.duration_ms / 1000)
            return result

        runtime.Worker.invoke = invoke
        return self

    def __exit__(self, *exc: object) -> None:
        runtime.Worker.invoke = self._original

    def of(self, part: str) -> list[float]:
        return [s for name, values in self.seconds.items() if part in name for s in values]


def _stack() -> LocalStack:
    """The local stack with pieces of a quarter of the default: its DynamoDB (moto, one process for
    every function) writes about a fifth as fast as a function on AWS is modelled to, and a piece
    should take it under a minute as it would on AWS; two pieces at once, one per core."""
    stack = LocalStack(state_dir=Path(tempfile.mkdtemp(prefix="engage-bench-import-"))).start()
    stack.deploy(parameters={"ImportConcurrency": "2", "ImportPieceBytes": str(LOCAL_PIECE_BYTES)})
    return stack


def _wait_for_job(stack: LocalStack, app_id: str, key: str, timeout: float) -> dict:
    jobs = stack.stacks["engage"].outputs["JobsTableName"]
    from engage.adapters.dynamodb.jobs import DynamoJobStore

    store = DynamoJobStore(jobs, stack.client("dynamodb"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [
            j
            for j in store.list(app_id)
            if j["Definition"].get("S3Url", "").endswith(key) and j["JobStatus"] in ("COMPLETED", "FAILED")
        ]
        if done:
            return done[-1]
        time.sleep(2)
    raise TimeoutError(f"the import of {key} did not finish in {timeout:.0f} s")


def _stored(stack: LocalStack, app_id: str) -> int:
    """The application's endpoints in the store: the local DynamoDB's own items, counted (not the
    job's counts; a paginated Scan of a million items makes moto walk its table once per page)."""
    from moto.dynamodb.models import dynamodb_backends

    table_name = stack.stacks["engage"].outputs["ContactsTableName"]
    table = dynamodb_backends[ACCOUNT_ID][stack.region].get_table(table_name)
    return sum(
        1
        for item in table.all_items()
        if _value(item, "app_id") == app_id and _value(item, "kind") == "endpoint"
    )


def _value(item: object, name: str) -> object:
    value = item.attrs.get(name)  # type: ignore[attr-defined] - a moto Item
    return None if value is None else value.cast_value


def _write_without_users(path: Path, rows: int) -> None:
    """The reader bench's rows without their user ids: a user id costs its user's endpoint count one
    more write, which the local stack's DynamoDB (moto) makes ten times slower than a put, and the
    figure would measure moto (the model counts it on AWS)."""
    with path.open("w") as out:
        out.write(
            "Id,ChannelType,Address,Attributes.Tier,Metrics.orders,Location.Country,Demographic.Timezone\n"
        )
        for i in range(rows):
            if i % 2:
                out.write(f"e{i},EMAIL,user{i}@example.com,gold,{i % 7},US,America/New_York\n")
            else:
                out.write(f'e{i},SMS,"+1 (425) 555-{i % 10000:04d}",silver,{i % 3},US,America/Chicago\n')


def bench_import_end_to_end() -> list[Figure]:
    """A million rows dropped in the import bucket, imported by the workflow, counted in the store."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "million.csv"
        _write_without_users(path, ROWS)
        stack = _stack()
        try:
            app_id = create_app(local_pinpoint(stack), "bench-import")
            key = f"imports/{app_id}/million.csv"
            bucket = stack.stacks["engage"].outputs["ImportBucketName"]
            with _Timed() as timed:
                started = time.perf_counter()
                stack.client("s3").upload_file(str(path), bucket, key)
                job = _wait_for_job(stack, app_id, key, timeout=max(120.0, ROWS / 200))
                elapsed = time.perf_counter() - started
            stored = _stored(stack, app_id)
        finally:
            stack.stop()
    assert (job["JobStatus"], job["TotalProcessed"], stored) == ("COMPLETED", ROWS, ROWS), (job, stored)
    chunks, splits = timed.of("ImportChunk"), timed.of("ImportSplit")
    return [
        Figure(
            "import.e2e.rows_per_second_local",
            ROWS / elapsed,
            "rows/s",
            ROWS / (sum(chunks) + sum(splits)),
            "the same rows over the functions' own time alone (no workflow, no waiting)",
        ),
        Figure("import.e2e.endpoints_in_store", stored, "endpoints", ROWS, "rows in the file"),
        Figure(
            "import.e2e.longest_function_seconds",
            max(chunks + splits),
            "s",
            60.0,
            "the limit asked for: no function past a minute",
        ),
        Figure(
            "import.e2e.piece_seconds_median",
            sorted(chunks)[len(chunks) // 2],
            "s",
            max(chunks),
            f"the longest of the {len(chunks)} pieces: near 1, the pieces are even",
        ),
    ]


def bench_import_split_ten_million() -> list[Figure]:
    """Ten million rows through the split stage as the workflow calls it (again while SCANNING), each
    call timed, then the whole import modelled on AWS from the measured cost of a piece."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ten-million.csv"
        _write(path, SPLIT_ROWS)
        file_bytes = path.stat().st_size
        stack = _stack()
        try:
            app_id = create_app(local_pinpoint(stack), "bench-split")
            bucket = stack.stacks["engage"].outputs["ImportBucketName"]
            key = f"bench/{app_id}/ten-million.csv"  # outside imports/: no workflow starts
            stack.client("s3").upload_file(str(path), bucket, key)
            lambda_ = stack.client("lambda")
            name = _function(stack, "ImportSplitFunction")
            state = {
                "bucket": bucket,
                "key": key,
                "version": "null/bench",
                "job_id": "bench-10m",
                "app_id": app_id,
            }
            calls: list[float] = []
            while state.get("status") in (None, "SCANNING"):
                began = time.perf_counter()
                answer = lambda_.invoke(FunctionName=name, Payload=json.dumps(state).encode())
                calls.append(time.perf_counter() - began)
                state = json.loads(answer["Payload"].read())
                assert "errorType" not in state, state
        finally:
            stack.stop()
    assert state["status"] == "PROCESSING", state
    return [
        Figure(
            "import.split_10m.longest_call_seconds",
            max(calls),
            "s",
            60.0,
            "the limit asked for: no function past a minute",
        ),
        Figure(
            "import.split_10m.scan_bytes_per_second_local",
            file_bytes / sum(calls),
            "B/s",
            S3_BYTES_PER_SECOND,
            "S3's assumed single-stream rate to one function on AWS",
        ),
        Figure(
            "import.split_10m.pieces",
            state["pieces"],
            "pieces",
            math.ceil(file_bytes / LOCAL_PIECE_BYTES),
            "the file's bytes over the piece size (1 MiB here)",
        ),
        *_modelled(SPLIT_ROWS, file_bytes, math.ceil(file_bytes / PIECE_BYTES)),
    ]


def _modelled(rows: int, file_bytes: int, pieces: int) -> list[Figure]:
    """The import of `rows` on AWS: the scan at S3's rate, then the pieces at the Map's concurrency,
    each piece its reading and checking (measured here: the reader's rate on one core) and its
    DynamoDB requests (assumed latencies), and never faster than the table's write units allow."""
    from tests.bench.audience.bench_import_reader import _run

    with tempfile.TemporaryDirectory() as folder:
        sample = Path(folder) / "sample.csv"
        _write(sample, size(200_000, 2_000))
        read = _run(sample)
    reader_rate = read["processed"] / read["seconds"]
    per_piece_rows = rows / pieces
    piece_seconds = (
        per_piece_rows / reader_rate
        + per_piece_rows / 100 * (TRANSACTION_SECONDS + BATCH_GET_SECONDS)
        + (file_bytes / pieces) / S3_BYTES_PER_SECOND
    )
    scan_seconds = file_bytes / S3_BYTES_PER_SECOND
    figures = [Figure("import.model.piece_seconds_aws", piece_seconds, "s", 60.0, "the one-minute limit")]
    for concurrency, units, label in ((4, TABLE_WRITE_UNITS, "default"), (40, RAISED_WRITE_UNITS, "raised")):
        compute = math.ceil(pieces / concurrency) * piece_seconds
        writes = rows * ENDPOINT_WRITE_UNITS / units
        minutes = (scan_seconds + max(compute, writes)) / 60
        figures.append(
            Figure(
                f"import.model.minutes_10m_rows_{label}",
                minutes,
                "min",
                10.0,
                f"the 10-minute target; {concurrency} pieces at once, {units:,} write units/s",
            )
        )
    return figures


def _function(stack: LocalStack, logical: str) -> str:
    audience = stack.stacks["engage"].children["Audience"]
    return next(r["physical_id"] for r in audience.resources if r["logical_id"] == logical)
