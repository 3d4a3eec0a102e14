"""Answers inbound mail from a template (engage.auto_reply): an SES receipt rule's Lambda action
invokes it with the received message's metadata. Machines, lists, spam, our own answers and
senders answered often enough today get no answer; the reason is logged without the address."""

import os
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.email_ses import SesEmailSender
from engage.adapters.reply_limiter import DynamoReplyLimiter
from engage.auto_reply import inbound, reply
from engage.obs import logger, metrics
from engage.runtime import services


@cache
def limiter() -> DynamoReplyLimiter:
    return DynamoReplyLimiter(
        os.environ["AUTO_REPLY_TABLE"],
        services.factory.client("dynamodb"),
        int(os.environ["AUTO_REPLY_DAILY_LIMIT"]),
    )


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    message = inbound(event)
    answer = reply(
        message,
        os.environ["AUTO_REPLY_FROM_ADDRESS"],
        limiter(),
        lambda: services.templates.get("EMAIL", os.environ["AUTO_REPLY_TEMPLATE"]),
        SesEmailSender(services.factory.client("sesv2"), os.environ.get("SES_CONFIGURATION_SET") or None),
    )
    metrics.add_metric(name="AutoReplySent" if answer.answered else "AutoReplySkipped", unit="Count", value=1)
    logger.info(
        "answered" if answer.answered else "not answered",
        extra={
            "ses_message_id": message.message_id,
            "reason": answer.reason,
            "reply": answer.reply_message_id,
        },
    )
    if not answer.answered:
        return {"disposition": "CONTINUE", "answered": False, "reason": answer.reason}
    return {"disposition": "CONTINUE", "answered": True, "reply_message_id": answer.reply_message_id}
