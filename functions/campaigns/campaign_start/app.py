"""Starts a campaign run (engage.campaigns.start): the campaign named by CampaignId, or one made from
the seed's input (SegmentId, SegmentName, template names); its segment written as parts for the
workflow's Map (for a local-time firing, only the endpoints whose time it is: a firing that reaches
nobody records no run); the run's record. A retried start finds what the first one did and does it
again without doubling."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.campaigns import wiring
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return wiring.campaign_start().start(event["input"], event["run_id"])
