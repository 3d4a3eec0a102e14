"""Starts a phone-validation run: picks the endpoints to validate (one segment's, or the
application's) and writes them as parts for the workflow's Map, with each part's share of the
PhoneNumberValidate rate."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.wiring import validation_select
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer, endpoints = validation_select().select(event["run_id"], event["input"])
    logger.info("validation run selected", extra={"run_id": event["run_id"], "endpoints": endpoints})
    return answer
