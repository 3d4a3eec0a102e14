"""A segment query's run, as both engines see it: what runs (a checked query, engage.segmentation.queries)
and where it is (Athena's states). Light on purpose: the engines and the run function import it,
and only the local engine needs sqlglot (to translate to DuckDB's dialect), loaded when it does."""

from __future__ import annotations

from dataclasses import dataclass

RESULTS_PREFIX = "segment-queries/results/"


@dataclass(frozen=True)
class CheckedQuery:
    sql: str  # Athena's dialect, tables qualified, output names quoted
    columns: tuple[str, ...]  # the result's header, as the import reads it
    tables: tuple[str, ...]  # the allow-listed tables it reads

    def to_duckdb(self) -> str:
        import sqlglot

        return sqlglot.transpile(self.sql, read="athena", write="duckdb")[0]


@dataclass(frozen=True)
class QueryStatus:
    """Where a query is, as both engines report it (Athena's states)."""

    query_id: str
    state: str  # QUEUED | RUNNING | SUCCEEDED | FAILED | CANCELLED
    reason: str = ""
    result: str = ""  # s3://bucket/key of the result CSV once SUCCEEDED

    def to_json(self) -> dict[str, str]:
        return {"QueryId": self.query_id, "State": self.state, "Reason": self.reason, "Result": self.result}
