"""Sending what a send queue delivered: each record parsed as a send request (a malformed one
fails alone), the batch settled by the sender before the Lambda's deadline, every result counted
in the metrics. Shared by the send queue's consumer and the SMS drops' FIFO consumer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from engage import clock
from engage.errors import EngageError
from engage.messages.ledger import Status
from engage.messages.request import parse_request
from engage.messages.sender import Sender, SendResult
from engage.obs import logger, metrics

# Stop starting sends this long before the function's timeout: what is left comes back from the queue.
SAFETY_SECONDS = 10.0
METRIC = {
    Status.SENT: "MessagesSent",
    Status.REFUSED: "MessagesRefused",
    Status.UNCERTAIN: "MessagesUncertain",
    Status.HANDED_OVER: "MessagesHandedOver",
}


def send_records(records: Sequence[SQSRecord], sender: Sender, context: Any) -> dict[str, SendResult]:
    """Each record's result, by SQS message id; a result with an `error` must come back."""
    parsed, results = {}, {}
    for record in records:
        try:
            parsed[record.message_id] = parse_request(record.body)
        except EngageError as exc:
            logger.error("malformed send request", extra={"message_id": record.message_id, "error": str(exc)})
            results[record.message_id] = SendResult(None, error=exc)  # type: ignore[arg-type]
    deadline = clock.time() + context.get_remaining_time_in_millis() / 1000 - SAFETY_SECONDS
    message_ids = {id(request): message_id for message_id, request in parsed.items()}
    for result in sender.send_batch(list(parsed.values()), deadline):
        results[message_ids[id(result.request)]] = result
    for result in results.values():
        _count(result)
    return results


def raise_failure(results: dict[str, SendResult]) -> Any:
    """A record handler for Powertools' batch processing: fails the records whose send failed."""

    def settle(record: SQSRecord) -> None:
        error = results[record.message_id].error
        if error is not None:
            raise error

    return settle


def _count(result: SendResult) -> None:
    if result.error is not None:  # counted when the redelivery settles it
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
