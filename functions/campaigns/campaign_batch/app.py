"""Runs one part of a campaign run: holdout, the FILTER hook, quiet time, caps, and the send
queue; its counts are added to the run once."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.campaigns.wiring import part_sending
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    counts, counted = part_sending().send(event, clock.now())
    metrics.add_metric(name="CampaignMessagesQueued", unit="Count", value=counts["Queued"] if counted else 0)
    return {"index": event["index"], "counted": counted, **counts}
