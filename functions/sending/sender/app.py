"""The send queue's consumer: a batch of send requests settled by the sender (eligibility, the
ledger, the governor, the channels, the archive, the events), answered as a partial batch response:
only requests that failed (malformed, interrupted) come back, and a request that keeps failing
reaches the DLQ after the queue's maxReceiveCount; one held back by the rate or a paused channel is
put back on the queue as a new, delayed message."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.obs import logger, metrics
from engage.sending.queued import raise_failure, send_records
from engage.sending.wiring import holding, sender

processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A held send goes back on the queue, delayed, instead of failing (engage.sending.queued).
    results = send_records([SQSRecord(r) for r in event["Records"]], sender(), context, holding())
    return process_partial_response(
        event=event, record_handler=raise_failure(results), processor=processor, context=context
    )
