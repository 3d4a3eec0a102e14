"""Answers inbound mail from a template (engage.email.auto_reply): an SES receipt rule's Lambda
action invokes it with the received message's metadata. Machines, lists, spam, our own answers and
senders answered often enough today get no answer; the reason is logged without the address."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.email.wiring import auto_reply
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return auto_reply().answer(event)
