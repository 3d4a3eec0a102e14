"""One VDM export job's calls for the workflow: create it, read its status, cancel it (when the
workflow's poll bound runs out)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.obs import logger
from engage.vdm.wiring import vdm_export


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return vdm_export().job(event.get("Action"), event.get("JobId"), event.get("Request"))
