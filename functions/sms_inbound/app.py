"""Inbound SMS from the numbers' two-way SNS channel (through InboundSmsQueue): read as the consent
rule requires (engage.sms_inbound), an opt-out applied to the number's brand everywhere and
answered once through the send queue, and every message published on the engagement bus. Partial
batch responses: a malformed message fails alone and reaches the DLQ; a replayed batch answers
nothing twice (each answer is keyed by its inbound message in the send ledger)."""

import os
from datetime import UTC, datetime

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage.batch import partial_batch_handler
from engage.envelopes import json_object, sns_document
from engage.obs import logger, metrics
from engage.runtime import services
from engage.sms_inbound import application_for, handle, parse_inbound, replies_by_brand
from engage.sms_keywords import keywords_from_json

CLASSIFIER = keywords_from_json(os.environ.get("SMS_KEYWORDS"))  # a bad configuration fails at once
APPLICATIONS = json_object(os.environ.get("SMS_INBOUND_APPLICATIONS") or "{}", "SMS_INBOUND_APPLICATIONS")
REPLIES = replies_by_brand(os.environ)  # each brand's answers; a malformed map fails at once


def record_handler(record: SQSRecord) -> None:
    sent_ms = int(record.attributes.sent_timestamp)  # SNS's delivery to the queue: the same on every retry
    received_at = datetime.fromtimestamp(sent_ms / 1000, UTC).isoformat(timespec="milliseconds")
    inbound = parse_inbound(sns_document(record.body), received_at.replace("+00:00", "Z"))
    app_id = application_for(inbound.our_number, APPLICATIONS, services.number_brands.of(inbound.our_number))
    services.known_applications.require(app_id)  # else the message waits in the DLQ for the app
    outlets = services.inbound_outlets(os.environ["ENGAGEMENT_BUS"], os.environ["SMS_AUDIT_QUEUE_URL"])
    outcome = handle(
        inbound,
        app_id,
        CLASSIFIER,
        services.consent,
        services.contacts,
        services.opt_out_lists,
        outlets,
        REPLIES(app_id),
    )
    metrics.add_metric(
        name=f"InboundSms{outcome.intent.value.title().replace('_', '')}", unit="Count", value=1
    )
    logger.info(
        "inbound sms handled",
        extra={"application_id": app_id, "inbound_message_id": inbound.message_id, **outcome.summary()},
    )


handler = partial_batch_handler(EventType.SQS, record_handler)
