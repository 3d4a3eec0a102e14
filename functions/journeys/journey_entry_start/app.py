"""The journey entry workflow's first step: the entry segment written as parts for its Map
(engage.journeys.entry.SegmentEntry)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.journeys.wiring import segment_entry
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = segment_entry().start(event["ApplicationId"], event["JourneyId"], event["RunId"])
    logger.info("journey entry started", extra={k: v for k, v in started.items() if k != "manifest"})
    return started
