"""Imports one chunk into the contact store, lists its endpoints as members of the segment the
import defines, and adds its counts to the job, once per chunk."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.imports.wiring import chunk_import
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result, counted = chunk_import().run(event)
    metrics.add_metric(name="ImportedEndpoints", unit="Count", value=result.accepted if counted else 0)
    return {
        "index": event["index"],
        "accepted": result.accepted,
        "rejected": result.rejected,
        "counted": counted,
    }
