"""Federated segmentation's first step: reads the request (A21's fields), fetches a named query from
the work bucket, and checks the SQL (engage.segmentation.workflow's QueryCheck). A query that is
refused answers INVALID with the reason, which the workflow notifies; a broken request fails the
step the same way."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.obs import logger, metrics
from engage.segmentation.wiring import query_check


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return query_check().answer(event)
