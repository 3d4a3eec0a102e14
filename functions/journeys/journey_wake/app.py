"""A journey's wake fired (a one-time EventBridge Scheduler schedule at a minute some participant
is due): its due participants' steps queued, the segment entry started once its time has come, the
next wake armed; a cancelled journey's remaining participants ended; a segment journey that never
refreshes CLOSED once its entry is done."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.journeys.wiring import waking
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # From its schedule, or from the entry workflow once the segment entry is done (EntryDone).
    counts = waking().wake(event["ApplicationId"], event["JourneyId"], clock.time(), event.get("EntryDone"))
    metrics.add_metric(name="JourneyStepsWoken", unit="Count", value=counts.get("Queued", 0))
    logger.info("journey woken", extra={"journey_id": event["JourneyId"], "counts": counts})
    return counts
