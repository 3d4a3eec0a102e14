"""The lake on DuckDB: the tables of sql/schema.sql loaded from a folder laid out like the events
bucket (events/year=.../month=.../day=.../hour=.../*.gz and so on), the views of sql/views created
over them, queries in Athena's dialect translated by sqlglot. Once loaded, DuckDB may read no more
files: a query can only see the lake."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from engage_cli.lake.source import Table, tables, to_duckdb, views


@dataclass(frozen=True)
class Result:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, (plain(v) for v in row), strict=True)) for row in self.rows]


class LocalLake:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = duckdb.connect(config={"threads": 2})
        self.db.execute("SET TimeZone = 'UTC'")
        self.counts = {table.name: self._load(table) for table in tables()}
        for view in views():
            self.db.execute(f'CREATE VIEW "{view.name}" AS {view.duckdb_sql()}')
        self.db.execute("SET enable_external_access = false")
        self.db.execute("SET lock_configuration = true")

    def query(self, sql: str) -> Result:
        """Runs one statement written for Athena."""
        cursor = self.db.execute(to_duckdb(sql))
        columns = tuple(d[0] for d in cursor.description or ())
        return Result(columns, tuple(cursor.fetchall()))

    def _load(self, table: Table) -> int:
        columns = ", ".join(f'"{c.name}" {c.duckdb_type}' for c in (*table.columns, *table.partitions))
        files = sorted(str(p) for p in (self.root / table.prefix).rglob("*") if p.is_file())
        if not files:
            self.db.execute(f'CREATE TABLE "{table.name}" ({columns})')
            return 0
        declared = ", ".join(f"'{c.name}': '{c.duckdb_type}'" for c in table.columns)
        options = [f"columns = {{{declared}}}", "format = 'newline_delimited'"]
        if table.partitions:
            hive = ", ".join(f"'{p.name}': '{p.duckdb_type}'" for p in table.partitions)
            options += ["hive_partitioning = true", f"hive_types = {{{hive}}}"]
        # Names and types come from sql/schema.sql, never from a caller; the files are a parameter.
        load = f'CREATE TABLE "{table.name}" AS SELECT * FROM read_json(?, {", ".join(options)})'  # noqa: S608
        self.db.execute(load, [files])
        (count,) = self.db.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()  # noqa: S608
        return count


def plain(value: Any) -> Any:
    """A value as JSON can carry it (times in ISO 8601, UTC)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return [plain(v) for v in value]
    return value


def as_json(result: Result) -> str:
    return json.dumps(result.records(), ensure_ascii=False)
