"""The chain's approval step (a waitForTaskToken task): records the campaign run as PENDING with
the token that resumes the chain, and asks for a decision on the campaign topic. `engage campaign
approve|reject <run>` answers; the chain's timeout cancels the run when nobody does."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.campaigns.wiring import approval_request
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run_id, requested, renewed = approval_request().request(event)
    if not requested:
        logger.info("approval already requested", extra={"run_id": run_id, "token_renewed": renewed})
        return {"run_id": run_id, "requested": False}
    logger.info("approval requested", extra={"run_id": run_id})
    metrics.add_metric(name="CampaignApprovalsRequested", unit="Count", value=1)
    return {"run_id": run_id, "requested": True}
