"""Inbound SMS from the numbers' two-way SNS channel (through InboundSmsQueue): read as the consent
rule requires (engage.sms_inbound), an opt-out applied everywhere and confirmed once, and every
message published on the engagement bus. Partial batch responses: a malformed message fails alone
and reaches the DLQ; a replayed batch sends no reply twice (each reply is made once per message)."""

import functools
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from engage.adapters.eventbridge import EventBus
from engage.adapters.sms_inbound import InboundOutlets, SmsOptOutList
from engage.batch import partial_batch_handler
from engage.envelopes import sns_document
from engage.obs import logger, metrics
from engage.runtime import services
from engage.sms_inbound import Replies, application_for, handle, parse_inbound
from engage.sms_keywords import keywords_from_json

idempotency = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=7 * 24 * 3600)
CLASSIFIER = keywords_from_json(os.environ.get("SMS_KEYWORDS"))  # a bad configuration fails at once
APPLICATIONS: dict[str, str] = json.loads(os.environ.get("SMS_INBOUND_APPLICATIONS") or "{}")
REPLIES = Replies(
    **{
        name: os.environ[variable]
        for name, variable in (
            ("opt_out", "OPT_OUT_REPLY"),
            ("opt_in", "OPT_IN_REPLY"),
            ("help", "HELP_REPLY"),
        )
        if os.environ.get(variable)
    }
)


@functools.cache
def outlets() -> InboundOutlets:
    persistence = DynamoDBPersistenceLayer(
        table_name=os.environ["IDEMPOTENCY_TABLE"], boto3_client=services.factory.client("dynamodb")
    )

    @idempotent_function(data_keyword_argument="action", persistence_store=persistence, config=idempotency)
    def run(action: dict[str, Any], do: Callable[[], Any]) -> Any:
        return do()

    return InboundOutlets(
        services.factory.client("pinpoint-sms-voice-v2"),
        EventBus(services.factory.client("events")),
        os.environ["ENGAGEMENT_BUS"],
        services.factory.client("sqs"),
        os.environ["SMS_AUDIT_QUEUE_URL"],
        lambda key, do: run(action={"key": key}, do=do),
        os.environ.get("SMS_CONFIGURATION_SET", ""),
    )


@functools.cache
def opt_out_list() -> SmsOptOutList:
    return SmsOptOutList(services.factory.client("pinpoint-sms-voice-v2"), os.environ["SMS_OPT_OUT_LIST"])


def record_handler(record: SQSRecord) -> None:
    sent_ms = int(record.attributes.sent_timestamp)  # SNS's delivery to the queue: the same on every retry
    received_at = datetime.fromtimestamp(sent_ms / 1000, UTC).isoformat(timespec="milliseconds")
    inbound = parse_inbound(sns_document(record.body), received_at.replace("+00:00", "Z"))
    app_id = application_for(inbound.our_number, APPLICATIONS)
    services.known_applications.require(app_id)  # else the message waits in the DLQ for the app
    outcome = handle(
        inbound, app_id, CLASSIFIER, services.consent, services.contacts, opt_out_list(), outlets(), REPLIES
    )
    metrics.add_metric(
        name=f"InboundSms{outcome.intent.value.title().replace('_', '')}", unit="Count", value=1
    )
    logger.info(
        "inbound sms handled",
        extra={"application_id": app_id, "inbound_message_id": inbound.message_id, **outcome.summary()},
    )


handler = partial_batch_handler(EventType.SQS, record_handler, on_start=idempotency.register_lambda_context)
