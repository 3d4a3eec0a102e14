"""Closes a phone-validation run (COMPLETED when every part was counted; engage.jobs' JobClosing) and
returns its summary, which the workflow publishes."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience import wiring
from engage.audience.phone.runs import summary
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    closed = wiring.validation_closing().close(event["app_id"], event["run_id"], event)
    metrics.add_metric(
        name="ValidationsCompleted" if closed.status == "COMPLETED" else "ValidationsFailed",
        unit="Count",
        value=1,
    )
    return summary(closed.job)
