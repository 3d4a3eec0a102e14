"""Federated segmentation: how fast queries are checked, and how fast the local engine (DuckDB)
loads a table from S3 (moto), runs a join and streams the result to S3 as CSV, with its peak
Python heap (DuckDB's own memory is outside it and capped by its memory_limit; moto runs in
process, so its copies of the objects read and written are inside it). Beside them, in the
same run: sqlglot's bare parse of the same query; DuckDB alone running the same join over the same
CSVs on local disk and COPYing the result to a CSV file (its rows per second, and that file's size);
and the engine's heap at a tenth of the rows."""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

from devtools.bench import Figure, size

TABLE_ROWS = size(200_000, 2_000)
QUERY = (
    'SELECT c.customer_id AS Id, c.tier AS "Attributes.Tier", sum(o.total) AS "Metrics.Spend" '
    "FROM customers c JOIN orders o ON o.customer_id = c.customer_id GROUP BY 1, 2"
)
TIERS = ("gold", "silver", "bronze")


def _tables(rows: int) -> dict[str, str]:
    """The two tables' CSV text: `rows` customers, and `rows` orders over them."""
    return {
        "customers": "customer_id,tier\n" + "".join(f"c{n},{TIERS[n % 3]}\n" for n in range(rows)),
        "orders": "customer_id,total\n" + "".join(f"c{n % rows},{n % 97}\n" for n in range(rows)),
    }


def _checks_per_second() -> tuple[float, float]:
    """Queries checked per second, and sqlglot's bare parse of the same query per second."""
    import sqlglot
    from engage.segmentation.queries import allowed_tables, check_query

    tables = allowed_tables("customers,orders")
    runs = size(500, 10)
    started = time.perf_counter()
    for _ in range(runs):
        check_query(QUERY, "crm", tables, "mutate")
    checks = runs / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(runs):
        sqlglot.parse_one(QUERY, read="athena")
    return checks, runs / (time.perf_counter() - started)


def _local_engine(rows: int) -> tuple[float, float, int]:
    """The engine over `rows` rows on moto: result rows per second, peak Python heap (MiB), and the
    result's size (bytes)."""
    from engage.adapters.clients import ClientFactory
    from engage.adapters.s3.objects import ObjectStore
    from engage.segmentation.queries import allowed_tables, check_query
    from engage_duckdb.queries import DuckDbQueries
    from moto import mock_aws

    with mock_aws():
        s3 = ClientFactory(region="us-east-1").client("s3")
        for bucket in ("crm", "work"):
            s3.create_bucket(Bucket=bucket)
        for table, text in _tables(rows).items():
            s3.put_object(Bucket="crm", Key=f"t/{table}/a.csv", Body=text.encode())
        engine = DuckDbQueries(ObjectStore(s3), "crm", "t/", "crm", "work", "results/")
        checked = check_query(QUERY, "crm", allowed_tables("customers,orders"), "mutate")
        tracemalloc.start()
        started = time.perf_counter()
        status = engine.start_query(checked, "b" * 64)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert status.state == "SUCCEEDED", status.reason
        written = s3.head_object(Bucket="work", Key=f"results/{'b' * 64}.csv")["ContentLength"]
    return rows / seconds, peak / 2**20, written


def _bare_duckdb(rows: int) -> tuple[float, int]:
    """DuckDB alone (same threads and memory limit as the engine): the same join over the same CSVs
    on local disk, COPYed to a CSV file; result rows per second and the file's size (bytes)."""
    import duckdb

    with tempfile.TemporaryDirectory(prefix="engage-bench-segment-") as folder:
        paths = {}
        for table, text in _tables(rows).items():
            paths[table] = Path(folder) / f"{table}.csv"
            paths[table].write_text(text)
        out = Path(folder) / "result.csv"
        db = duckdb.connect(config={"threads": 2, "memory_limit": "1GB"})
        try:
            started = time.perf_counter()
            for table, path in paths.items():
                db.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true)", [str(path)])
            db.execute(f"COPY ({QUERY}) TO '{out}' (FORMAT csv, HEADER true)")
            seconds = time.perf_counter() - started
        finally:
            db.close()
        return rows / seconds, out.stat().st_size


def bench_segment_query() -> list[Figure]:
    _local_engine(TABLE_ROWS // 100)  # once first: the engine's imports and caches are not its heap
    _, small_heap, _ = _local_engine(TABLE_ROWS // 10)
    rows_per_second, heap_mib, result_bytes = _local_engine(TABLE_ROWS)
    bare_rows_per_second, bare_bytes = _bare_duckdb(TABLE_ROWS)
    checks, parses = _checks_per_second()
    return [
        Figure(
            "segment_query.checks_per_second",
            checks,
            "queries/s",
            parses,
            "sqlglot's bare parse_one of the same query (Athena's dialect)",
        ),
        Figure(
            "segment_query.duckdb_rows_per_second",
            rows_per_second,
            "result rows/s (load, join, CSV to S3)",
            bare_rows_per_second,
            "DuckDB alone: the same CSVs loaded from local disk, the same join COPYed to a local CSV file",
        ),
        Figure(
            "segment_query.duckdb_peak_python_heap",
            heap_mib,
            "MiB",
            small_heap,
            f"the same engine over {TABLE_ROWS // 10:,} rows: flat memory is a ratio of 1",
        ),
        Figure(
            "segment_query.duckdb_result_size",
            result_bytes / 2**20,
            "MiB",
            bare_bytes / 2**20,
            "DuckDB's bare COPY of the same result rows to CSV (with its header)",
        ),
    ]
