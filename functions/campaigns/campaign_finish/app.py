"""Closes a campaign run (COMPLETED when every part ran, CANCELLED when it was cancelled; engage.jobs'
JobClosing) and returns its activity, which the workflow publishes."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.campaigns import wiring
from engage.campaigns.runs import activity
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    closed = wiring.run_closing().close(event["app_id"], event["run_id"], event)
    metrics.add_metric(name=f"CampaignRuns{closed.status.title()}", unit="Count", value=1)
    return activity(closed.job)
