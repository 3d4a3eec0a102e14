"""A campaign's custom channel that emails files from S3 (engage.attachments): set the campaign's
CustomDeliveryConfiguration.DeliveryUri to this function and its CustomMessage.Data to the
attachment order. Sent emails report through SES's events; failures and skips are events here."""

import functools
import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.adapters.attachment_files import AttachmentFiles
from engage.adapters.email_ses import SesEmailSender
from engage.adapters.ledger_dynamodb import DynamoLedger
from engage.attachments import AttachmentMailer
from engage.events import emit
from engage.messages.channel_sends import deadline_of
from engage.messages.custom_answers import channel_answer
from engage.obs import add_counts, logger, metrics
from engage.runtime import services


@functools.cache
def mailer() -> AttachmentMailer:
    factory = services.factory
    return AttachmentMailer(
        templates=services.templates,
        files=AttachmentFiles(
            factory.client("s3"),
            os.environ["ATTACHMENT_BUCKET"],
            os.environ.get("ATTACHMENT_PREFIX", "attachments/"),
        ),
        # No botocore retries: a call that timed out after SES accepted it would send twice.
        email=SesEmailSender(
            factory.client("sesv2", max_attempts=1), os.environ.get("SES_CONFIGURATION_SET") or None
        ),
        ledger=DynamoLedger(os.environ["SENDS_TABLE"], factory.client("dynamodb")),
        clock=clock.time,
        max_message_bytes=int(os.environ.get("ATTACHMENT_MAX_MESSAGE_BYTES", str(40 * 1024 * 1024))),
    )


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = mailer().deliver(event, deadline_of(context))
    emit(outcome.events, services.event_stream)
    add_counts(
        "AttachmentEmails",
        {"Sent": len(outcome.sent), "Linked": len(outcome.linked), "Failed": len(outcome.failed)},
    )
    logger.info(
        "attachment emails",
        extra={"campaign_id": event.get("CampaignId"), "sent": len(outcome.sent), "failed": outcome.failed},
    )
    # Each endpoint's answer, which the sender records (engage.messages.custom_answers).
    return channel_answer(outcome.sent, outcome.failed, outcome.skipped)
