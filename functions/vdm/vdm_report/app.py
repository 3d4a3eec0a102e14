"""The stakeholders' notice of a VDM export run: totals and a CloudFront signed download link per
export (valid for VDM_LINK_HOURS, whatever happens to any Lambda session), or what failed."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.obs import logger
from engage.vdm.export import stopped_run_month
from engage.vdm.wiring import vdm_export


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stopped = "error" in event  # the run stopped before its jobs ran, or could not run them
    return vdm_export().notice(
        stopped_run_month(event) if stopped else event["Month"],
        [] if stopped else event["Outcomes"],
        event["error"] if stopped else None,
    )
