"""A campaign's schedule fired (EventBridge Scheduler): start its run, named after the scheduled
minute, so a schedule delivered twice starts one run. A campaign deleted or paused since is left
alone (its schedule goes with the next update or deletion)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.campaigns.schedule import local_time, reaches_anyone, runs_at, scheduled_run_id
from engage.campaigns.triggers import instant
from engage.errors import NotFoundError
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    app_id, campaign_id = event["ApplicationId"], event["CampaignId"]
    try:
        campaign = services.campaigns.get(app_id, campaign_id)
    except NotFoundError:
        logger.warning("a schedule fired for a deleted campaign", extra={"campaign_id": campaign_id})
        return {"started": False, "reason": "CAMPAIGN_DELETED"}
    scheduled = instant(event["ScheduledTime"])
    if not runs_at(campaign, scheduled):  # as it was at its firing, however late Scheduler delivered it
        logger.info("a firing that runs nothing", extra={"campaign_id": campaign_id})
        return {"started": False, "reason": "NOT_DUE"}
    if local_time(campaign) and not reaches_anyone(
        campaign, scheduled, services.zone_snapshots.get(app_id, campaign_id)
    ):
        return {"started": False, "reason": "NOBODY_DUE"}  # nobody of its audience is in those zones
    request = {"ApplicationId": app_id, "CampaignId": campaign_id}
    if local_time(campaign):
        request["LocalTimeAt"] = event["ScheduledTime"]  # the run sends where it is the campaign's time
    run_id = scheduled_run_id(campaign_id, event["ScheduledTime"])
    started = services.campaign_workflow.start(run_id, request)
    metrics.add_metric(
        name="ScheduledRunsStarted" if started else "DuplicateScheduledRuns", unit="Count", value=1
    )
    return {"started": started, "run_id": run_id}
