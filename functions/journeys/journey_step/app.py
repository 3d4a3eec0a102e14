"""The journey step queue's consumer: each message names up to a hundred participants and the step
each is due to take (engage.journeys.flow.Stepping). Answers a partial batch response: a message
that fails comes back and, after the queue's maxReceiveCount, reaches the DLQ; a step taken already
does nothing when its message comes again."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.journeys.wiring import stepping
from engage.obs import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    def record_handler(record: SQSRecord) -> None:
        counts = stepping().step(record.json_body, clock.time())
        metrics.add_metric(name="JourneyStepsTaken", unit="Count", value=sum(counts.values()))
        logger.info("journey steps", extra={"counts": counts})

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
