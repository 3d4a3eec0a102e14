"""Inbound SMS from the numbers' two-way SNS channel (through InboundSmsQueue): read as the consent
rule requires (engage.sms.inbound), an opt-out applied to the number's brand everywhere and
answered once through the send queue, and every message published on the engagement bus. Partial
batch responses: a malformed message fails alone and reaches the DLQ; a replayed batch answers
nothing twice (each answer is keyed by its inbound message in the send ledger)."""

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage.batch import partial_batch_handler
from engage.envelopes import sns_document
from engage.obs import logger, metrics
from engage.sms.wiring import inbound_processor


def record_handler(record: SQSRecord) -> None:
    sent_ms = int(record.attributes.sent_timestamp)  # SNS's delivery to the queue: the same on every retry
    received_at = datetime.fromtimestamp(sent_ms / 1000, UTC).isoformat(timespec="milliseconds")
    handled = inbound_processor().receive(sns_document(record.body), received_at.replace("+00:00", "Z"))
    outcome = handled.outcome
    metrics.add_metric(
        name=f"InboundSms{outcome.intent.value.title().replace('_', '')}", unit="Count", value=1
    )
    logger.info(
        "inbound sms handled",
        extra={
            "application_id": handled.app_id,
            "inbound_message_id": handled.inbound.message_id,
            **outcome.summary(),
        },
    )


handler = partial_batch_handler(EventType.SQS, record_handler)
