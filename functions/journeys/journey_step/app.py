"""The journey step queue's consumer: each message names up to a hundred participants and the step
each is due to take (engage.journeys.flow.Stepping). Partial batch responses: a message that fails
comes back and, after the queue's maxReceiveCount, reaches the DLQ; a step taken already does
nothing when its message comes again."""

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage import clock
from engage.batch import partial_batch_handler
from engage.journeys.wiring import stepping
from engage.obs import logger, metrics


def record_handler(record: SQSRecord) -> None:
    counts = stepping().step(record.json_body, clock.time())
    metrics.add_metric(name="JourneyStepsTaken", unit="Count", value=sum(counts.values()))
    logger.info("journey steps", extra={"counts": counts})


handler = partial_batch_handler(EventType.SQS, record_handler)
