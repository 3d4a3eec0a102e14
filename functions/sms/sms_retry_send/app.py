"""A due SMS retry (engage.sms.retry): the original text from the archive, to the same endpoint,
becomes a send request on the send queue, keyed by (original message, attempt), so the one sender
sends it once, checked, paced and reported like every message. A retry that can't be sent as the
original was (the endpoint gone or renumbered, the text erased) is abandoned with an event."""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage.batch import partial_batch_handler
from engage.obs import logger, metrics
from engage.sms.wiring import retry_sending


def record_handler(record: SQSRecord) -> None:
    request: dict[str, Any] = json.loads(record.body)
    refused = retry_sending().send(request)  # RetriesExhaustedError: the record comes back
    if refused is not None:
        metrics.add_metric(name="SmsRetryRefused", unit="Count", value=1)
        logger.info("sms retry refused", extra={"original": request["OriginalMessageId"], "reason": refused})
        return
    metrics.add_metric(name="SmsRetryQueued", unit="Count", value=1)


handler = partial_batch_handler(EventType.SQS, record_handler)
