"""A campaign FILTER hook (name it in the campaign's Hook.LambdaFunctionName): adds each
endpoint's offer from the offers table as `Attributes.<OFFER_ATTRIBUTE>` and answers the Endpoints
map to send (engage.extensions.send_time). Endpoints without an offer are left out (SKIP) or get the
default (DEFAULT), as OFFER_MISSING_POLICY says."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.extensions.wiring import send_time_hook
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return send_time_hook().answer(event)
