"""Runs a checked segment query for the workflow: start it, read its status, stop it (when the
workflow's poll bound runs out), engage.segmentation.workflow's QueryRun. Athena in the configured
workgroup on AWS; DuckDB in memory on the local stack (SEGMENT_QUERY_ENGINE). A start is keyed by
the execution, so a retried step runs the query once."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.obs import logger, metrics
from engage.segmentation.wiring import query_run


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return query_run().answer(event)
