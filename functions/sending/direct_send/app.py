"""Pinpoint's direct sends (SendMessages, SendUsersMessages), invoked by the Pinpoint-compatible API
for each call: the recipients are checked and sent now, through the sender (eligibility, the
ledger, the governor, the channels, the archive, the events), and each one's answer is Pinpoint's
(engage.sending.direct). A request that can't be taken is answered with its Pinpoint error."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.errors import EngageError
from engage.obs import logger, metrics
from engage.sending.direct import answer_error, run_direct_send
from engage.sending.wiring import direct_sends


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return {"Response": run_direct_send(direct_sends(), event)}
    except EngageError as exc:
        logger.info("direct send refused", extra={"error_type": exc.pinpoint_type, "reason": str(exc)})
        return answer_error(exc)
