"""A campaign's custom channel that calls people through Amazon Connect (engage.connect_channel):
set the campaign's CustomDeliveryConfiguration.DeliveryUri to this function and its Data to what
the contact flow should say. Each call placed, refused or skipped is an event on the stream."""

import functools
import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.connect import ConnectCalls
from engage.adapters.ledger_dynamodb import DynamoLedger
from engage.connect_channel import ConnectChannel, ConnectSettings
from engage.events import emit
from engage.messages.channel_sends import deadline_of
from engage.messages.custom_answers import channel_answer
from engage.obs import add_counts, logger, metrics
from engage.runtime import services


@functools.cache
def channel() -> ConnectChannel:
    settings = ConnectSettings(
        instance_id=os.environ.get("CONNECT_INSTANCE_ID", ""),
        contact_flow_id=os.environ.get("CONNECT_CONTACT_FLOW_ID", ""),
        queue_id=os.environ.get("CONNECT_QUEUE_ID", ""),
        source_phone_number=os.environ.get("CONNECT_SOURCE_PHONE_NUMBER", ""),
        calls_per_second=float(os.environ.get("CONNECT_CALLS_PER_SECOND", "1")),
    )
    calls = ConnectCalls(services.factory.client("connect", max_attempts=1))
    ledger = DynamoLedger(os.environ["SENDS_TABLE"], services.factory.client("dynamodb"))
    return ConnectChannel(settings, calls, services.consent, services.suppression, ledger)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = channel().deliver(event, deadline_of(context))
    emit(outcome.events, services.event_stream)  # before answering: a failed put fails the batch
    add_counts(
        "ConnectCalls",
        {"Placed": len(outcome.placed), "Failed": len(outcome.failed), "Skipped": len(outcome.skipped)},
    )
    logger.info(
        "connect calls",
        extra={
            "campaign_id": event.get("CampaignId"),
            "placed": len(outcome.placed),
            "failed": outcome.failed,
            "skipped": outcome.skipped,
        },
    )
    # Each endpoint's answer, which the sender records (engage.messages.custom_answers).
    return channel_answer(dict.fromkeys(outcome.placed), outcome.failed, outcome.skipped)
