"""Closes a campaign run (COMPLETED when every part ran, CANCELLED when it was cancelled) and
returns its activity, which the workflow publishes."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.campaigns.runs import activity, closing_status
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = services.jobs.get(event["app_id"], event["run_id"])
    if run is None:
        raise LookupError(f"campaign run {event['run_id']} does not exist")
    status, failures = closing_status(run, event.get("error"))
    run = services.jobs.finish(event["app_id"], event["run_id"], status, failures)
    metrics.add_metric(name=f"CampaignRuns{status.title()}", unit="Count", value=1)
    return activity(run)
