"""The channels' own events into the engagement stream: SES event-publishing records and End User
Messaging SMS and voice v2 events arrive from their configuration sets' SNS destinations (raw
delivery, through an encrypted queue) and are put on the stream as `_email.*`, `_SMS.*` and
`_VOICE.*` events (engage.lake.channel_events). The raw records reach their own tables through the
configuration sets' Firehose destinations, so nothing here is the only copy.

Each event is put once: the Powertools idempotency utility keys it by its event id (derived from
the record), so a redelivered message or a replayed batch does not count an open twice. Answers a
partial batch response; a record that cannot be read fails alone and reaches the DLQ after the
queue's maxReceiveCount."""

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage.batch import partial_batch_handler
from engage.lake.wiring import channel_events


def record_handler(record: SQSRecord) -> None:
    channel_events().take(record.body)


def started(context: Any) -> None:
    channel_events().started(context)


handler = partial_batch_handler(EventType.SQS, record_handler, on_start=started)
