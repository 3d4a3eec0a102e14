"""The VDM export's first step: the month a run covers (the calendar month before the schedule's
time, or a `Month` asked for), the export jobs that cover it, and a clear failure when VDM is off."""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.obs import logger
from engage.vdm.wiring import vdm_export


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    month = event.get("Month")
    scheduled = None if month else datetime.fromisoformat(event["ScheduledTime"])
    plan = vdm_export().plan(month, scheduled)
    return {
        "Month": plan.month.label,
        "Jobs": [
            {
                "Request": request,
                "Metrics": request["ExportDataSource"]["MetricsDataSource"]["Metrics"],
                "DataFormat": plan.data_format,
            }
            for request in plan.requests
        ],
        "PollSeconds": plan.poll_seconds,
        "MaxPolls": plan.max_polls,
    }
