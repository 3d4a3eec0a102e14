"""One part of a journey's entry segment: its endpoints' participants entered (re-entry rules, the
schedule's window) and their first steps queued."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.journeys.wiring import segment_entry
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    counts = segment_entry().part(event, clock.time())
    metrics.add_metric(name="JourneyParticipantsEntered", unit="Count", value=counts["Entered"])
    logger.info("journey entry part", extra={"journey_id": event["journey_id"], "counts": counts})
    return {"index": event["index"], **counts}
