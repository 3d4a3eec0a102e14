"""Erases a person from the event lake (engage.lake.erasure): the erasure function queues their
application, endpoint ids and address pseudonyms; this reads every file of the lake and rewrites
those holding lines about them. A lake too large for one invocation is erased over several: what is
left is queued again with where to resume. A message that keeps failing reaches the DLQ (an alarm
watches it: an erasure must not be lost)."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.lake.wiring import lake_erasure
from engage.obs import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    erasure = lake_erasure()
    deadline = erasure.deadline(context.get_remaining_time_in_millis())

    def record_handler(record: SQSRecord) -> None:
        erasure.erase(record.body, deadline)

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
