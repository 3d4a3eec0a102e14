"""A campaign's schedule fired (EventBridge Scheduler): start its run, named after the scheduled
minute, so a schedule delivered twice starts one run. A campaign deleted or paused since is left
alone (its schedule goes with the next update or deletion)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.campaigns.wiring import schedule_firing
from engage.obs import logger, metrics

NOT_STARTED = {
    "CAMPAIGN_DELETED": "a schedule fired for a deleted campaign",
    "NOT_DUE": "a firing that runs nothing",
    "NOBODY_DUE": "a firing that reaches nobody in those zones",
}


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    campaign_id = event["CampaignId"]
    answer = schedule_firing().fire(event["ApplicationId"], campaign_id, event["ScheduledTime"])
    if "reason" in answer:
        logger.info(NOT_STARTED[answer["reason"]], extra={"campaign_id": campaign_id})
        return answer
    name = "ScheduledRunsStarted" if answer["started"] else "DuplicateScheduledRuns"
    metrics.add_metric(name=name, unit="Count", value=1)
    return answer
