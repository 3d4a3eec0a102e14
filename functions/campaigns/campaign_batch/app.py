"""Runs one part of a campaign run: holdout, the FILTER hook, quiet time, caps, and the send
queue; its counts are added to the run once."""

import gzip
import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.campaigns.runs import cancelled, cancelled_part, run_batch
from engage.campaigns.triggers import instant
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    campaign = services.campaigns.get(event["app_id"], event["campaign_id"])
    with gzip.open(services.objects.open(event["bucket"], event["key"])) as lines:
        endpoints = [json.loads(line) for line in lines if line.strip()]
    run = services.jobs.get(event["app_id"], event["run_id"])
    counts = (
        cancelled_part(len(endpoints))
        if cancelled(run)
        else run_batch(
            campaign,
            event["run_id"],
            endpoints,
            clock.now(),
            services.campaign_tools,
            instant(event["local_at"]) if event.get("local_at") else None,
            started=instant(run["CreationDate"]) if run else None,  # MaximumDuration counts from here
        )
    )
    failures = (
        [f"{counts['NotQueued']} message(s) of part {event['index']} were not queued"]
        if counts["NotQueued"]
        else []
    )
    counted = services.jobs.record_piece(
        event["app_id"],
        event["run_id"],
        event["index"],
        counts,
        failures,
        processed=len(endpoints),
        failed=counts["NotQueued"],
    )
    metrics.add_metric(name="CampaignMessagesQueued", unit="Count", value=counts["Queued"] if counted else 0)
    return {"index": event["index"], "counted": counted, **counts}
