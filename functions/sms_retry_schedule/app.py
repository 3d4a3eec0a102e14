"""Reads `_SMS.FAILURE` records from the event stream (a Kinesis filter) and decides each one
(engage.sms_retry): a transient failure within the attempts is queued for a retry after an
exponential backoff with jitter (the retry queue's message delay); the rest are abandoned. Either
way an event says so. A replayed batch may queue a retry twice: the send step claims each
(message, attempt) once."""

import json
import os
import random

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from engage.batch import partial_batch_handler
from engage.events import emit
from engage.obs import logger, metrics
from engage.runtime import services
from engage.sms_retry import decide, outcome_event, parse_failure, retry_request

MAX_ATTEMPTS = int(os.environ["SMS_RETRY_MAX_ATTEMPTS"])
BASE_DELAY = float(os.environ["SMS_RETRY_BASE_DELAY_SECONDS"])
JITTER = random.Random()  # backoff jitter, not a secret


def record_handler(record: KinesisStreamRecord) -> None:
    failure = parse_failure(json.loads(record.kinesis.data_as_bytes()))
    if failure is None:
        metrics.add_metric(name="SmsRetryNotOurs", unit="Count", value=1)
        return
    decision = decide(failure, MAX_ATTEMPTS, BASE_DELAY, JITTER)
    if decision.retry:
        services.factory.client("sqs").send_message(
            QueueUrl=os.environ["SMS_RETRY_QUEUE_URL"],
            MessageBody=json.dumps(retry_request(failure, decision)),
            DelaySeconds=decision.delay_seconds,
        )
    emit([outcome_event(failure, decision)], services.event_stream)
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
