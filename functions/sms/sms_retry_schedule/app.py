"""Reads `_SMS.FAILURE` records from the event stream (a Kinesis filter) and decides each one
(engage.sms.retry): a transient failure within the attempts is queued for a retry after an
exponential backoff with jitter (the retry queue's message delay); the rest are abandoned. Either
way an event says so. A replayed batch may queue a retry twice: the send step claims each
(message, attempt) once."""

import json

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from engage.batch import partial_batch_handler
from engage.obs import logger, metrics
from engage.sms.wiring import retry_scheduler


def record_handler(record: KinesisStreamRecord) -> None:
    decided = retry_scheduler().schedule(json.loads(record.kinesis.data_as_bytes()))
    if decided is None:
        metrics.add_metric(name="SmsRetryNotOurs", unit="Count", value=1)
        return
    failure, decision = decided
    metrics.add_metric(
        name="SmsRetryScheduled" if decision.retry else "SmsRetryAbandoned", unit="Count", value=1
    )
    logger.info(
        "sms failure decided",
        extra={
            "original_message_id": failure.original_id,
            "attempt": decision.attempt,
            "retry": decision.retry,
            "reason": decision.reason,
            "delay_seconds": decision.delay_seconds,
        },
    )


handler = partial_batch_handler(EventType.KinesisDataStreams, record_handler)
