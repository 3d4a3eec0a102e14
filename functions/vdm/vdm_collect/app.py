"""Copies a finished VDM export into the asset bucket (under private/, served only through signed
links) and reads its totals per metric; the job is read again first, for a fresh link."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.obs import logger, metrics
from engage.vdm.wiring import vdm_export


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    collected = vdm_export().collect(event["JobId"], event["Month"], event["Metrics"])
    return {
        "Outcome": "COMPLETED",
        "JobId": collected.job_id,
        "Key": collected.key,
        "Rows": collected.totals.rows,
        "Totals": collected.totals.as_dict(),
    }
