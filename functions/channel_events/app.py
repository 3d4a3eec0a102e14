"""The channels' own events into the engagement stream: SES event-publishing records and End User
Messaging SMS and voice v2 events arrive from their configuration sets' SNS destinations (raw
delivery, through an encrypted queue) and are put on the stream as `_email.*`, `_SMS.*` and
`_VOICE.*` events (engage.channel_events). The raw records reach their own tables through the
configuration sets' Firehose destinations, so nothing here is the only copy.

Each event is put once: the Powertools idempotency utility keys it by its event id (derived from
the record), so a redelivered message or a replayed batch does not count an open twice. Answers a
partial batch response; a record that cannot be read fails alone and reaches the DLQ after the
queue's maxReceiveCount."""

import dataclasses
import functools
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from engage.batch import partial_batch_handler
from engage.channel_events import normalise
from engage.envelopes import sns_document
from engage.events import Event, emit
from engage.obs import logger, metrics
from engage.runtime import services

idempotency = IdempotencyConfig(event_key_jmespath="event_id", expires_after_seconds=7 * 24 * 3600)


@functools.cache
def put_once() -> Callable[..., str]:
    persistence = DynamoDBPersistenceLayer(
        table_name=os.environ["IDEMPOTENCY_TABLE"], boto3_client=services.factory.client("dynamodb")
    )

    @idempotent_function(data_keyword_argument="event", persistence_store=persistence, config=idempotency)
    def put(event: dict[str, Any]) -> str:
        emit([Event(**event)], services.event_stream)
        return event["event_id"]

    return put


def record_handler(record: SQSRecord) -> None:
    body = sns_document(record.body)
    outcome = normalise(body)
    if outcome.event is None:
        metrics.add_metric(name="ChannelEventsKeptRawOnly", unit="Count", value=1)
        logger.info("kept raw only", extra={"event_type": body.get("eventType"), "reason": outcome.reason})
        return
    put_once()(event=dataclasses.asdict(outcome.event))
    metrics.add_metric(name="ChannelEventsNormalised", unit="Count", value=1)


handler = partial_batch_handler(EventType.SQS, record_handler, on_start=idempotency.register_lambda_context)
