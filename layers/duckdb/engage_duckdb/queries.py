"""The local stack's segment query engine: DuckDB in memory, Athena's stand-in where there is no
Athena. The allow-listed tables a query reads are loaded from their files (s3://<bucket>/<prefix>
<table>/, CSV, JSON lines or Parquet, gzipped or not) into in-memory tables of a schema named after
the Glue database; then external access is disabled and the configuration locked, so the query can
reach nothing but those tables (no files, no extensions, no settings). The query runs when started
and its result is written as CSV to the work bucket, as Athena writes it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage.adapters.s3.objects import ObjectStore
from engage.segmentation.query_runs import CheckedQuery, QueryStatus
from sqlglot.errors import SqlglotError

READERS = {  # file suffix (before any .gz) -> DuckDB reader
    ".csv": "read_csv(?, header = true, union_by_name = true)",
    ".json": "read_json(?, format = 'newline_delimited', union_by_name = true)",
    ".jsonl": "read_json(?, format = 'newline_delimited', union_by_name = true)",
    ".ndjson": "read_json(?, format = 'newline_delimited', union_by_name = true)",
    ".parquet": "read_parquet(?, union_by_name = true)",
}
ROWS_PER_FETCH = 2000


class QueryRunError(Exception):
    """The query could not run; the message is DuckDB's (or the loader's) reason."""


@dataclass
class DuckDbQueries:
    objects: ObjectStore
    data_bucket: str
    data_prefix: str  # <prefix><table>/ holds a table's files
    database: str
    results_bucket: str
    results_prefix: str
    memory_limit: str = "1GB"

    def start_query(self, query: CheckedQuery, token: str) -> QueryStatus:
        """Runs the query to the end (there is nothing to poll): SUCCEEDED with the result's
        location, or FAILED with the reason."""
        key = f"{self.results_prefix}{token}.csv"
        try:
            self.objects.write_stream(self.results_bucket, key, self._rows_as_csv(query), "text/csv")
        except QueryRunError as exc:
            return QueryStatus(token, "FAILED", str(exc))
        return QueryStatus(token, "SUCCEEDED", result=f"s3://{self.results_bucket}/{key}")

    def status(self, query_id: str) -> QueryStatus:
        key = f"{self.results_prefix}{query_id}.csv"
        if self.objects.existing(self.results_bucket, key)[1] is None:
            return QueryStatus(query_id, "FAILED", "the query's result is gone")
        return QueryStatus(query_id, "SUCCEEDED", result=f"s3://{self.results_bucket}/{key}")

    def stop(self, query_id: str) -> QueryStatus:
        return self.status(query_id)  # a local query has finished by the time anyone could stop it

    def _rows_as_csv(self, query: CheckedQuery) -> Iterator[bytes]:
        import duckdb  # only the local stack runs this engine; the Lambda layer does not carry DuckDB

        db = duckdb.connect(config={"threads": 2, "memory_limit": self.memory_limit})
        try:
            db.execute("SET enable_progress_bar = false")  # it would draw on the function's log
            with tempfile.TemporaryDirectory(prefix="segment-query-") as folder:
                db.execute(f'CREATE SCHEMA "{self.database}"')
                for table in query.tables:
                    self._load(db, table, Path(folder))
            db.execute("SET enable_external_access = false")
            db.execute("SET lock_configuration = true")
            try:
                cursor = db.execute(query.to_duckdb())
            except (duckdb.Error, SqlglotError) as exc:
                raise QueryRunError(f"the query failed: {exc}") from None
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(query.columns)
            while rows := _fetch(cursor, duckdb.Error):
                writer.writerows([_text(v) for v in row] for row in rows)
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
            yield buffer.getvalue().encode()
        finally:
            db.close()

    def _load(self, db: Any, table: str, folder: Path) -> None:
        import duckdb

        prefix = f"{self.data_prefix}{table}/"
        files: list[str] = []
        kinds: set[str] = set()
        for index, key in enumerate(self.objects.keys(self.data_bucket, prefix)):
            suffix = _kind(key)
            if suffix is None:
                continue  # a marker, a _SUCCESS file, a manifest: not data
            kinds.add(suffix)
            local = folder / f"{table}-{index:05d}{suffix}{'.gz' if key.endswith('.gz') else ''}"
            with self.objects.open(self.data_bucket, key) as source, local.open("wb") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
            files.append(str(local))
        if not files:
            raise QueryRunError(f"table {table} has no data files under s3://{self.data_bucket}/{prefix}")
        if len({READERS[k] for k in kinds}) > 1:
            raise QueryRunError(f"table {table} mixes file formats ({', '.join(sorted(kinds))})")
        # The names are allow-listed Glue names (checked); the file list is a parameter.
        load = f'CREATE TABLE "{self.database}"."{table}" AS SELECT * FROM {READERS[kinds.pop()]}'  # noqa: S608
        try:
            db.execute(load, [files])
        except duckdb.Error as exc:
            raise QueryRunError(f"table {table} can't be read: {exc}") from None
        for path in files:
            Path(path).unlink()


def _fetch(cursor: Any, errors: type[Exception]) -> list[tuple[Any, ...]]:
    """The next rows; an error DuckDB raises while producing them (a cast that fails on a later
    row) is the query's failure, like one raised when it started."""
    try:
        return cursor.fetchmany(ROWS_PER_FETCH)
    except errors as exc:
        raise QueryRunError(f"the query failed: {exc}") from None


def _kind(key: str) -> str | None:
    name = key.lower().removesuffix(".gz")
    return next((suffix for suffix in READERS if name.endswith(suffix)), None)


def _text(value: Any) -> str:
    """A value as Athena's CSV writes it: NULL empty, booleans lower-case, times in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)
