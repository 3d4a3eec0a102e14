"""A campaign's custom channel that calls people through Amazon Connect (engage.extensions.connect):
set the campaign's CustomDeliveryConfiguration.DeliveryUri to this function and its Data to what
the contact flow should say. Each call placed, refused or skipped is an event on the stream."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.extensions.wiring import connect_delivery
from engage.obs import add_counts, logger, metrics
from engage.sending.channel_sends import deadline_of
from engage.sending.custom_answers import channel_answer


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The events are on the stream before the answer: a failed put fails the batch.
    outcome = connect_delivery().deliver(event, deadline_of(context))
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
    # Each endpoint's answer, which the sender records (engage.sending.custom_answers).
    return channel_answer(dict.fromkeys(outcome.placed), outcome.failed, outcome.skipped)
