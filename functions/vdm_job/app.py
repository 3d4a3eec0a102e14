"""One VDM export job's calls for the workflow: create it, read its status, cancel it (when the
workflow's poll bound runs out)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.vdm_exports import VdmExports
from engage.errors import ValidationError
from engage.obs import logger
from engage.runtime import services


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    exports = VdmExports(services.factory.client("sesv2"))
    action = event.get("Action")
    if action == "create":
        job_id = exports.create(event["Request"])
        logger.info("vdm export job created", extra={"job_id": job_id})
        return {"JobId": job_id, "Status": "CREATED", "Reason": ""}
    if action == "check":
        return exports.status(event["JobId"])
    if action == "cancel":
        status = exports.cancel(event["JobId"])
        logger.warning("vdm export job cancelled: no result within the poll bound", extra=status)
        return status
    raise ValidationError("Action", "create, check or cancel")
