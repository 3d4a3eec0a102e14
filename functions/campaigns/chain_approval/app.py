"""The chain's approval step (a waitForTaskToken task): records the campaign run as PENDING with
the token that resumes the chain, and asks for a decision on the campaign topic. `engage campaign
approve|reject <run>` answers; the chain's timeout cancels the run when nobody does."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.campaigns.chain import approval_record
from engage.campaigns.runs import activity, new_run, seed_campaign_id
from engage.contacts.model import now_iso
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request, run_id = event["campaign"], event["run_id"]
    campaign = {
        "ApplicationId": request["ApplicationId"],
        "Id": seed_campaign_id(run_id),
        "SegmentId": request["SegmentId"],
    }
    run = approval_record(new_run(run_id, campaign, request), event["token"], now_iso())
    if not services.jobs.create(run):
        # A retried step waits under a new token: the record keeps the one that resumes the chain.
        renewed = services.jobs.renew_approval(request["ApplicationId"], run_id, run["Approval"])
        logger.info("approval already requested", extra={"run_id": run_id, "token_renewed": renewed})
        return {"run_id": run_id, "requested": False}
    summary = {
        **activity(run),
        "Campaign": request,  # what would be sent to which segment
        "Validation": event.get("validation"),
        "ApprovalTimeoutSeconds": event.get("timeout"),
    }
    services.campaign_topic.publish(summary, "approval_requested")
    logger.info("approval requested", extra={"run_id": run_id})
    metrics.add_metric(name="CampaignApprovalsRequested", unit="Count", value=1)
    return {"run_id": run_id, "requested": True}
