"""Starts a campaign run: the campaign named by CampaignId, or one made from the seed's input
(SegmentId, SegmentName, template names); its segment written as parts for the workflow's Map (for
a local-time firing, only the endpoints whose time it is: a firing that reaches nobody records no
run); the run's record. A retried start finds what the first one did and does it again without
doubling."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.campaigns.model import new_campaign
from engage.campaigns.runs import Firing, new_run, seed_campaign_id, seed_request
from engage.campaigns.triggers import instant
from engage.errors import ConflictError
from engage.obs import logger, metrics
from engage.runtime import services
from engage.segments.export import part_key, write_parts

WORK_PREFIX = "campaign-work/"


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request, run_id = event["input"], event["run_id"]
    app_id = services.applications.require(request["ApplicationId"])["application"]["Id"]
    campaign = _campaign(app_id, request, run_id)
    bucket, prefix = services.settings.require("work_bucket"), f"{WORK_PREFIX}{run_id}/"
    endpoints = services.segment_service.evaluate(app_id, campaign["SegmentId"])
    firing = Firing(campaign, instant(request["LocalTimeAt"])) if request.get("LocalTimeAt") else None
    written = write_parts(
        firing.due(endpoints) if firing else endpoints,
        int(services.settings.campaign_part_size),
        lambda index, body: services.objects.write(bucket, part_key(prefix, "parts", index), body),
    )
    if firing:  # the next firings start runs only where someone in these zones may be due
        services.zone_snapshots.put(app_id, campaign["Id"], firing.snapshot(clock.now()))
    if firing and not written.records:  # nobody's wall-clock time: no run, no activity
        return {"app_id": app_id, "run_id": run_id, "parts": 0, "nobody_due": True}
    services.jobs.create(new_run(run_id, campaign, request, firing.elsewhere if firing else 0))
    local_at = {"local_at": request["LocalTimeAt"]} if firing else {}
    items = [
        {"app_id": app_id, "campaign_id": campaign["Id"], "run_id": run_id, "bucket": bucket, **local_at, **p}
        for p in written.parts
    ]
    manifest = services.objects.write_json(bucket, f"{prefix}manifest.json", items)
    services.jobs.start_processing(app_id, run_id, len(items))
    logger.info(
        "campaign run started",
        extra={"run_id": run_id, "campaign_id": campaign["Id"], "endpoints": written.records},
    )
    concurrency = max(1, min(int(services.settings.campaign_concurrency), len(items)))
    return {
        "app_id": app_id,
        "campaign_id": campaign["Id"],
        "run_id": run_id,
        "bucket": bucket,
        "manifest": manifest,
        "parts": len(items),
        "concurrency": concurrency,
        "nobody_due": False,
    }


def _campaign(app_id: str, request: dict[str, Any], run_id: str) -> dict[str, Any]:
    if request.get("CampaignId"):
        return services.campaigns.get(app_id, request["CampaignId"])
    campaign = new_campaign(app_id, seed_request(request), seed_campaign_id(run_id))
    try:
        services.campaigns.store.put(campaign)
    except ConflictError:  # a retried start: the campaign exists already
        return services.campaigns.get(app_id, campaign["Id"])
    return campaign
