"""Runs a checked segment query for the workflow: start it, read its status, stop it (when the
workflow's poll bound runs out). Athena in the configured workgroup on AWS; DuckDB in memory on the
local stack (SEGMENT_QUERY_ENGINE). A start is keyed by the execution, so a retried step runs the
query once."""

import functools
import hashlib
import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.athena import AthenaQueries
from engage.errors import ValidationError
from engage.obs import logger, metrics
from engage.query_runs import RESULTS_PREFIX, CheckedQuery, QueryStatus
from engage.runtime import services

if TYPE_CHECKING:
    from engage.adapters.query_duckdb import DuckDbQueries


@functools.cache
def engine() -> "AthenaQueries | DuckDbQueries":
    database = os.environ["SEGMENT_QUERY_DATABASE"]
    name = os.environ.get("SEGMENT_QUERY_ENGINE", "ATHENA")
    if name == "ATHENA":
        return AthenaQueries(
            services.factory.client("athena"), os.environ["SEGMENT_QUERY_WORKGROUP"], database
        )
    if name == "DUCKDB":  # the local stack's: its module (and sqlglot) load only here
        from engage.adapters.query_duckdb import DuckDbQueries

        return DuckDbQueries(
            services.objects,
            os.environ["SEGMENT_QUERY_DATA_BUCKET"],
            os.environ.get("SEGMENT_QUERY_DATA_PREFIX", ""),
            database,
            services.settings.require("work_bucket"),
            RESULTS_PREFIX,
        )
    raise ValidationError("SEGMENT_QUERY_ENGINE", "must be ATHENA or DUCKDB (the local stack's)")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event.get("Action")
    if action == "start":
        # Athena's ClientRequestToken takes 32-128 characters; the execution's name is unique.
        token = hashlib.sha256(event["Execution"].encode()).hexdigest()
        query = event["Query"]
        checked = CheckedQuery(query["Sql"], tuple(query["Columns"]), tuple(query["Tables"]))
        status = engine().start_query(checked, token)
        logger.info("segment query started", extra={"query_id": status.query_id, "state": status.state})
        metrics.add_metric(name="SegmentQueriesStarted", unit="Count", value=1)
    elif action == "check":
        status = engine().status(event["QueryId"])
    elif action == "stop":
        status = engine().stop(event["QueryId"])
        logger.warning("segment query stopped: no result within the poll bound", extra=status.to_json())
    else:
        raise ValidationError("Action", "start, check or stop")
    return _answer(status)


def _answer(status: QueryStatus) -> dict[str, Any]:
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
