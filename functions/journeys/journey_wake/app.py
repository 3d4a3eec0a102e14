"""A journey's wake fired (a one-time EventBridge Scheduler schedule at a minute some participant
is due): its due participants' steps queued, the segment entry started once its time has come, the
next wake armed; a cancelled journey's remaining participants ended."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.journeys.wiring import waking
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    counts = waking().wake(event["ApplicationId"], event["JourneyId"], clock.time())
    metrics.add_metric(name="JourneyStepsWoken", unit="Count", value=counts.get("Queued", 0))
    logger.info("journey woken", extra={"journey_id": event["JourneyId"], "counts": counts})
    return counts
