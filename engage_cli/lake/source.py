"""The lake's one SQL source: the tables of sql/schema.sql (Athena DDL) and the views of
sql/views/*.sql (one SELECT each, in Athena's dialect, named by its file). Glue gets the tables'
column types from here (devtools/sqlgen.py), DuckDB gets both translated by sqlglot."""

from __future__ import annotations

import graphlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import sqlglot
from sqlglot import exp

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
PARTITION_FORMAT = {"year": 4, "month": 2, "day": 2, "hour": 2}  # digits of each partition value


@dataclass(frozen=True)
class Column:
    name: str
    type: exp.DataType

    @property
    def glue_type(self) -> str:
        return glue_type(self.type)

    @property
    def duckdb_type(self) -> str:
        return self.type.sql("duckdb")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    partitions: tuple[Column, ...]
    prefix: str  # the key prefix of its files in the events bucket, e.g. "events/"


@dataclass(frozen=True)
class View:
    name: str
    sql: str  # Athena's dialect
    reads: frozenset[str]  # the tables and views it selects from

    def duckdb_sql(self) -> str:
        return to_duckdb(self.sql)


def to_duckdb(sql: str) -> str:
    """An Athena (Trino) statement in DuckDB's dialect."""
    (statement,) = sqlglot.transpile(sql, read="athena", write="duckdb")
    return statement


@cache
def tables(schema: Path = SQL_DIR / "schema.sql") -> tuple[Table, ...]:
    found = []
    for statement in sqlglot.parse(schema.read_text(), read="athena"):
        if not isinstance(statement, exp.Create) or statement.kind != "TABLE":
            raise ValueError(f"{schema.name} holds only CREATE TABLE statements, not {statement.key}")
        properties = statement.args["properties"].expressions
        partitioned = next((p for p in properties if isinstance(p, exp.PartitionedByProperty)), None)
        location = next(p for p in properties if isinstance(p, exp.LocationProperty))
        found.append(
            Table(
                name=statement.this.this.name,
                columns=tuple(_columns(statement.this.expressions)),
                partitions=tuple(_columns(partitioned.this.expressions)) if partitioned else (),
                prefix=urlparse(location.this.name).path.lstrip("/"),
            )
        )
    return tuple(found)


@cache
def views(directory: Path = SQL_DIR / "views") -> tuple[View, ...]:
    """Every view, each after the views it reads (so they can be created in this order)."""
    known = {}
    for path in sorted(directory.glob("*.sql")):
        parsed = sqlglot.parse_one(path.read_text(), read="athena")
        if not isinstance(parsed, exp.Query):
            raise ValueError(f"{path.name} must hold one SELECT, not {parsed.key}")  # noqa: TRY004
        ctes = {cte.alias_or_name for cte in parsed.find_all(exp.CTE)}
        reads = frozenset(t.name for t in parsed.find_all(exp.Table) if t.name not in ctes)
        known[path.stem] = View(path.stem, path.read_text().strip().rstrip(";"), reads)
    order = graphlib.TopologicalSorter({name: v.reads & known.keys() for name, v in known.items()})
    return tuple(known[name] for name in order.static_order())


def glue_type(data_type: exp.DataType) -> str:
    """The type as Glue's column Type spells it: Hive's, lower case, no spaces."""
    kind = data_type.this
    if kind == exp.DataType.Type.STRUCT:
        fields = ",".join(f"{field.name}:{glue_type(field.args['kind'])}" for field in data_type.expressions)
        return f"struct<{fields}>"
    if kind == exp.DataType.Type.ARRAY:
        return f"array<{glue_type(data_type.expressions[0])}>"
    if kind == exp.DataType.Type.MAP:
        key, value = data_type.expressions
        return f"map<{glue_type(key)},{glue_type(value)}>"
    return data_type.sql("hive").lower()


def _columns(definitions: list[exp.Expression]) -> list[Column]:
    return [Column(d.name, d.args["kind"]) for d in definitions if isinstance(d, exp.ColumnDef)]
