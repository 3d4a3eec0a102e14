"""The send queue's consumer: a batch of send requests settled by the sender (eligibility, the
ledger, the governor, the channels, the archive, the events), answered as a partial batch response:
only requests that failed (malformed, throttled past the time left, interrupted) come back, and a
request that keeps failing reaches the DLQ after the queue's maxReceiveCount."""

import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.errors import EngageError
from engage.messages.request import parse_request
from engage.messages.sender import SendResult, Status
from engage.obs import logger, metrics
from engage.runtime import services

processor = BatchProcessor(event_type=EventType.SQS)
# Stop starting sends this long before the function's timeout: what is left comes back from the queue.
SAFETY_SECONDS = 10.0
METRIC = {
    Status.SENT: "MessagesSent",
    Status.REFUSED: "MessagesRefused",
    Status.UNCERTAIN: "MessagesUncertain",
}


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = [SQSRecord(r) for r in event["Records"]]
    parsed, results = {}, {}
    for record in records:
        try:
            parsed[record.message_id] = parse_request(record.body)
        except EngageError as exc:
            logger.error("malformed send request", extra={"message_id": record.message_id, "error": str(exc)})
            results[record.message_id] = SendResult(None, error=exc)  # type: ignore[arg-type]
    sender = services.sender
    sender.policy = services.send_policy()  # signing keys rotate; Powertools caches the secret
    deadline = time.time() + context.get_remaining_time_in_millis() / 1000 - SAFETY_SECONDS
    message_ids = {id(request): message_id for message_id, request in parsed.items()}
    for result in sender.send_batch(list(parsed.values()), deadline):
        results[message_ids[id(result.request)]] = result
    for result in results.values():
        _count(result)

    def settle(record: SQSRecord) -> None:
        error = results[record.message_id].error
        if error is not None:
            raise error

    return process_partial_response(event=event, record_handler=settle, processor=processor, context=context)


def _count(result: SendResult) -> None:
    if result.outcome is None:
        metrics.add_metric(name="SendsFailed", unit="Count", value=1)
        logger.warning(
            "send request failed; it comes back from the queue",
            extra={
                "send_key": result.request.key if result.request else None,
                "error": f"{type(result.error).__name__}: {result.error}",
            },
        )
    elif result.skipped:
        metrics.add_metric(name="MessagesSkipped", unit="Count", value=1)
    elif not result.outcome.duplicate:
        metrics.add_metric(name=METRIC[result.outcome.status], unit="Count", value=1)
    else:
        metrics.add_metric(name="DuplicateDeliveries", unit="Count", value=1)
