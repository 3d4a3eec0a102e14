"""A campaign's custom channel that emails files from S3 (engage.extensions.attachments): set the campaign's
CustomDeliveryConfiguration.DeliveryUri to this function and its CustomMessage.Data to the
attachment order. Each email endpoint's email goes on the send queue for the one sender (consent,
the ledger, the SES rate, unsubscribe, the archive, events); the answer says, per endpoint, what
could not be queued and why (engage.sending.custom_answers); the queued ones are handed over."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.extensions.wiring import attachments_hand_over
from engage.obs import add_counts, logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = attachments_hand_over(event)
    handed = len(event.get("Endpoints") or {}) - len(answer)
    add_counts("AttachmentEmails", {"Queued": handed, "NotQueued": len(answer)})
    logger.info("attachment emails", extra={"campaign_id": event.get("CampaignId"), "not_queued": answer})
    return answer
