"""A campaign FILTER hook (name it in the campaign's Hook.LambdaFunctionName) that fetches the
email's subject and HTML from the content system once per run and adds them to every endpoint of
the batch as `Attributes.subject` and `Attributes.html` (engage.extensions.content). Without content
and without a fallback it fails, and the campaign's HookFailurePolicy decides."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.extensions.wiring import content_hook
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return content_hook().answer(event)
