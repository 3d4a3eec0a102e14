"""The federated segmentation workflow's steps (A21), with their collaborators passed in.

The check reads the request (A21's fields), fetches a named query from the work bucket, and checks
the SQL (engage.segmentation.queries). A query that is refused answers INVALID with the reason, which
the workflow notifies; a broken request is answered the same way.

The run starts a checked query, reads its status and stops it (when the workflow's poll bound runs
out), on whichever engine it is given: Athena in the configured workgroup on AWS, DuckDB in memory on
the local stack. A start is keyed by the execution, so a retried step runs the query once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engage.errors import NotFoundError, ValidationError
from engage.obs import logger, metrics
from engage.segmentation.queries import (
    MAX_QUERY_CHARS,
    SegmentQueryRequest,
    allowed_tables,
    check_query,
    named_query_key,
)
from engage.segmentation.query_runs import CheckedQuery, QueryStatus


class Applications(Protocol):
    def require(self, app_id: str) -> Any:
        """The live application; NotFoundError for one never created, or deleted."""
        ...


class NamedQueryFiles(Protocol):
    def existing(self, bucket: str, key: str) -> tuple[str, Mapping[str, str] | None]:
        """(key, its metadata), or (key, None) when there is no such object."""
        ...

    def read(self, bucket: str, key: str) -> bytes: ...


class SegmentLookup(Protocol):
    def get(self, app_id: str, segment_id: str) -> Mapping[str, Any] | None: ...


class QueryEngine(Protocol):
    """Where a checked query runs (engage.adapters.athena.queries, engage_duckdb.queries)."""

    def start_query(self, query: CheckedQuery, token: str) -> QueryStatus: ...

    def status(self, query_id: str) -> QueryStatus: ...

    def stop(self, query_id: str) -> QueryStatus: ...


@dataclass(frozen=True)
class QueryCheck:
    """The workflow's first step: a request checked, answered VALID with what the next steps need
    (the checked SQL, the poll bound, the import's concurrency) or INVALID with the reason."""

    applications: Applications
    files: NamedQueryFiles
    segments: SegmentLookup
    work_bucket: str  # named queries: segment-queries/named/<name>.sql in it
    database: str
    tables: str | Sequence[str]  # the allow-list as configured (engage.segmentation.queries.allowed_tables)
    poll_seconds: int
    max_polls: int
    import_concurrency: int

    def answer(self, event: dict[str, Any]) -> dict[str, Any]:
        try:
            request = SegmentQueryRequest.parse(event)
            self.applications.require(request.app_id)
            sql = request.query if request.query is not None else self._named(request.query_name or "")
            checked = check_query(sql, self.database, allowed_tables(self.tables), request.kind)
            segment_name = request.segment_name or self._refreshed_name(request)
        except (ValidationError, NotFoundError) as exc:
            logger.warning("segment query refused: %s", exc, extra={"query_name": event.get("QueryName")})
            metrics.add_metric(name="SegmentQueriesRefused", unit="Count", value=1)
            return {"Status": "INVALID", "Reason": str(exc), "Request": event}
        logger.info("segment query accepted", extra={"tables": checked.tables, "columns": checked.columns})
        return {
            "Status": "VALID",
            "ApplicationId": request.app_id,
            "Type": request.kind,
            "Mode": request.mode,
            "DefineSegment": request.kind == "direct",
            "SegmentName": segment_name,
            "SegmentId": request.segment_id,
            "Sql": checked.sql,
            "Columns": list(checked.columns),
            "Tables": list(checked.tables),
            "PollSeconds": self.poll_seconds,
            "MaxPolls": self.max_polls,
            "ImportConcurrency": self.import_concurrency,
        }

    def _named(self, name: str) -> str:
        bucket = self.work_bucket
        key, found = self.files.existing(bucket, named_query_key(name))
        if found is None:
            raise ValidationError("QueryName", f"there is no named query {name} (s3://{bucket}/{key})")
        text = self.files.read(bucket, key).decode("utf-8")
        if len(text) > MAX_QUERY_CHARS:
            raise ValidationError("QueryName", f"{name} is {len(text)} characters; at most {MAX_QUERY_CHARS}")
        return text

    def _refreshed_name(self, request: SegmentQueryRequest) -> str | None:
        if not request.segment_id:
            return None
        segment = self.segments.get(request.app_id, request.segment_id)
        if segment is None or segment.get("SegmentType") != "IMPORT":
            raise ValidationError(
                "SegmentId", f"{request.segment_id} is not an imported segment of {request.app_id}"
            )
        return segment["Name"]


@dataclass(frozen=True)
class QueryRun:
    """The workflow's run step: `Action` start (the checked `Query`, keyed by the `Execution`),
    check or stop (a `QueryId`), answered with the query's status."""

    engine: QueryEngine

    def answer(self, event: dict[str, Any]) -> dict[str, Any]:
        action = event.get("Action")
        if action == "start":
            # Athena's ClientRequestToken takes 32-128 characters; the execution's name is unique.
            token = hashlib.sha256(event["Execution"].encode()).hexdigest()
            query = event["Query"]
            checked = CheckedQuery(query["Sql"], tuple(query["Columns"]), tuple(query["Tables"]))
            status = self.engine.start_query(checked, token)
            logger.info("segment query started", extra={"query_id": status.query_id, "state": status.state})
            metrics.add_metric(name="SegmentQueriesStarted", unit="Count", value=1)
        elif action == "check":
            status = self.engine.status(event["QueryId"])
        elif action == "stop":
            status = self.engine.stop(event["QueryId"])
            logger.warning("segment query stopped: no result within the poll bound", extra=status.to_json())
        else:
            raise ValidationError("Action", "start, check or stop")
        return run_answer(status)


def run_answer(status: QueryStatus) -> dict[str, Any]:
    """The status, with the result as the import reads it (bucket, key) and the import job's id,
    derived from the query's, so that a repeated import step names the same job."""
    answer: dict[str, Any] = status.to_json()
    if status.result:
        bucket, key = status.result.removeprefix("s3://").split("/", 1)
        answer |= {
            "Bucket": bucket,
            "Key": key,
            "JobId": hashlib.sha256(status.query_id.encode()).hexdigest()[:32],
        }
    return answer
