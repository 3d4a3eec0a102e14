"""Athena queries in one workgroup and database: started, then polled with growing pauses and a
bound (a query that outlives it is stopped and reported, never waited on forever), its failure
raised with Athena's reason, its rows read page by page. Values a caller gives go in as
execution parameters (`?` in the statement; each a SQL literal, as Athena reads them). Throttled
calls are retried by the client's standard retry mode (engage.adapters.clients)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from engage.errors import EngageError
from engage.segmentation.query_runs import CheckedQuery, QueryStatus

DONE = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})


class QueryFailedError(EngageError):
    """Athena ran the query and it failed, was cancelled, or did not finish in time."""


class QueryTimeoutError(QueryFailedError):
    """The query was still running at the bound, and was stopped: the service is busy, try again
    (an API answers TooManyRequestsException)."""

    pinpoint_type = "TooManyRequestsException"


@dataclass
class AthenaQueries:
    client: Any  # boto3 athena
    workgroup: str
    database: str
    max_wait_seconds: float = 120.0
    # A small query (a KPI's) is done in well under a second: asked again after 50 ms, then twice
    # as long each time, it is seen done within its own time; a long one is asked every 2 s.
    first_pause: float = 0.05
    longest_pause: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    last_execution: dict[str, Any] = field(default_factory=dict)

    def start(self, sql: str, token: str | None = None, parameters: Sequence[str] = ()) -> str:
        """Starts one statement; the same `token` (32-128 characters) starts it once, however often
        the caller is retried. `parameters` fill its `?` in order."""
        return self.client.start_query_execution(
            QueryString=sql,
            WorkGroup=self.workgroup,
            QueryExecutionContext={"Database": self.database},
            **({"ClientRequestToken": token} if token else {}),
            **({"ExecutionParameters": list(parameters)} if parameters else {}),
        )["QueryExecutionId"]

    def start_query(self, query: CheckedQuery, token: str) -> QueryStatus:
        """A checked segment query started (once per token), and where it is."""
        return self.status(self.start(query.sql, token))

    def status(self, query_id: str) -> QueryStatus:
        execution = self.client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        status = execution["Status"]
        return QueryStatus(
            query_id,
            status["State"],
            status.get("StateChangeReason", "") if status["State"] in ("FAILED", "CANCELLED") else "",
            execution.get("ResultConfiguration", {}).get("OutputLocation", "")
            if status["State"] == "SUCCEEDED"
            else "",
        )

    def stop(self, query_id: str) -> QueryStatus:
        self.client.stop_query_execution(QueryExecutionId=query_id)
        return self.status(query_id)

    def run(self, sql: str, parameters: Sequence[str] = ()) -> str:
        """Runs one statement to completion; returns its query execution id."""
        started = self.start(sql, parameters=parameters)
        deadline, pause = self.clock() + self.max_wait_seconds, self.first_pause
        while True:
            execution = self.client.get_query_execution(QueryExecutionId=started)["QueryExecution"]
            self.last_execution = execution
            state = execution["Status"]["State"]
            if state == "SUCCEEDED":
                return started
            if state in DONE:
                reason = execution["Status"].get("StateChangeReason", "no reason given")
                raise QueryFailedError(f"query {started} {state.lower()}: {reason}")
            if self.clock() + pause > deadline:
                self.client.stop_query_execution(QueryExecutionId=started)
                raise QueryTimeoutError(
                    f"query {started} was still {state} after {self.max_wait_seconds:.0f} s; stopped"
                )
            self.sleep(pause)
            pause = min(pause * 2, self.longest_pause)

    def rows(self, sql: str, parameters: Sequence[str] = ()) -> tuple[list[str], Iterator[list[str | None]]]:
        """The result's column names and its rows (values as Athena returns them, as text)."""
        execution_id = self.run(sql, parameters)
        pages = self.client.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id)
        iterator = iter(pages)
        first = next(iterator)
        columns = [c["Name"] for c in first["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]

        def values(page: dict[str, Any], skip_header: bool) -> Iterator[list[str | None]]:
            rows = page["ResultSet"]["Rows"]
            for row in rows[1:] if skip_header else rows:
                yield [d.get("VarCharValue") for d in row["Data"]]

        def all_rows() -> Iterator[list[str | None]]:
            yield from values(first, skip_header=True)
            for page in iterator:
                yield from values(page, skip_header=False)

        return columns, all_rows()
