"""The campaign workflow's first steps (engage.campaigns.start), by the event's `step`: `plan` (the
campaign named by CampaignId, or one made from the seed's input, and the parts its audience is
resolved in), `resolve` (one part of the audience written as parts for the sending Map, for a
local-time firing only the endpoints whose time it is), `record` (the run's record and the sending
Map's manifest; a firing that reaches nobody records no run). Without a `step`, the three in one go
(the seed's sample event, `sam local invoke`). A retried step finds what the first one did and does
it again without doubling."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.campaigns import wiring
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    start = wiring.campaign_start()
    match event.get("step"):
        case "plan":
            return start.plan(event["input"], event["run_id"])
        case "resolve":
            return start.resolve(event["item"])
        case "record":
            return start.record(event["planned"], event["resolved"])
        case _:
            return start.start(event["input"], event["run_id"])
