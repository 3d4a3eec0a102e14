"""Answers inbound mail from a template (engage.auto_reply): an SES receipt rule's Lambda action
invokes it with the received message's metadata. Machines, lists, spam, our own answers and
senders answered often enough today get no answer; the reason is logged without the address."""

import os
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.email_ses import SesEmailSender
from engage.adapters.reply_limiter import DynamoReplyLimiter
from engage.auto_reply import compose, decide, inbound
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
    from_address = os.environ["AUTO_REPLY_FROM_ADDRESS"]
    reason = decide(message, [from_address], limiter().take)
    if reason is not None:
        metrics.add_metric(name="AutoReplySkipped", unit="Count", value=1)
        logger.info("not answered", extra={"ses_message_id": message.message_id, "reason": reason})
        return {"disposition": "CONTINUE", "answered": False, "reason": reason}
    template = services.templates.get("EMAIL", os.environ["AUTO_REPLY_TEMPLATE"])
    raw = compose(message, template, from_address)
    sender = SesEmailSender(services.factory.client("sesv2"), os.environ.get("SES_CONFIGURATION_SET") or None)
    reply_id = sender.send(raw, from_address, message.sender, {"auto_reply_to": message.message_id})
    metrics.add_metric(name="AutoReplySent", unit="Count", value=1)
    logger.info("answered", extra={"ses_message_id": message.message_id, "reply_message_id": reply_id})
    return {"disposition": "CONTINUE", "answered": True, "reply_message_id": reply_id}
