"""Federated segmentation: how fast queries are checked, and how fast the local engine (DuckDB)
loads a table from S3 (moto), runs a join and streams the result to S3 as CSV, with its peak
Python heap (DuckDB's own memory is outside it and capped by its memory_limit)."""

from __future__ import annotations

import time
import tracemalloc

from devtools.bench import Figure, size

TABLE_ROWS = size(200_000, 2_000)
QUERY = (
    'SELECT c.customer_id AS Id, c.tier AS "Attributes.Tier", sum(o.total) AS "Metrics.Spend" '
    "FROM customers c JOIN orders o ON o.customer_id = c.customer_id GROUP BY 1, 2"
)


def _checks_per_second() -> float:
    from engage.segmentation.queries import allowed_tables, check_query

    tables = allowed_tables("customers,orders")
    runs = size(500, 10)
    started = time.perf_counter()
    for _ in range(runs):
        check_query(QUERY, "crm", tables, "mutate")
    return runs / (time.perf_counter() - started)


def _local_engine() -> tuple[float, float, float]:
    from engage.adapters.clients import ClientFactory
    from engage.adapters.s3.objects import ObjectStore
    from engage.segmentation.queries import allowed_tables, check_query
    from engage_duckdb.queries import DuckDbQueries
    from moto import mock_aws

    with mock_aws():
        s3 = ClientFactory(region="us-east-1").client("s3")
        for bucket in ("crm", "work"):
            s3.create_bucket(Bucket=bucket)
        tiers = ("gold", "silver", "bronze")
        customers = "customer_id,tier\n" + "".join(f"c{n},{tiers[n % 3]}\n" for n in range(TABLE_ROWS))
        orders = "customer_id,total\n" + "".join(f"c{n % TABLE_ROWS},{n % 97}\n" for n in range(TABLE_ROWS))
        s3.put_object(Bucket="crm", Key="t/customers/a.csv", Body=customers.encode())
        s3.put_object(Bucket="crm", Key="t/orders/a.csv", Body=orders.encode())
        del customers, orders
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
    return TABLE_ROWS / seconds, peak / 2**20, written / 2**20


def bench_segment_query() -> list[Figure]:
    rows_per_second, heap_mib, result_mib = _local_engine()
    return [
        Figure("segment_query.checks_per_second", _checks_per_second(), "queries/s"),
        Figure(
            "segment_query.duckdb_rows_per_second", rows_per_second, "result rows/s (load, join, CSV to S3)"
        ),
        Figure("segment_query.duckdb_peak_python_heap", heap_mib, "MiB"),
        Figure("segment_query.duckdb_result_size", result_mib, "MiB"),
    ]
