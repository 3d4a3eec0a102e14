"""The VDM export's first step: the month a run covers (the calendar month before the schedule's
time, or a `Month` asked for), the export jobs that cover it, and a clear failure when VDM is off."""

import os
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.vdm_exports import VdmExports
from engage.obs import logger
from engage.runtime import services
from engage.vdm import export_requests, month_of, parse_dimensions, parse_metrics, previous_month


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    month = (
        month_of(event["Month"])
        if event.get("Month")
        else previous_month(datetime.fromisoformat(event["ScheduledTime"]))
    )
    metrics = parse_metrics(os.environ["VDM_METRICS"].split(","))
    dimensions = parse_dimensions(os.environ["VDM_DIMENSIONS"].split(","))
    data_format = os.environ.get("VDM_DATA_FORMAT", "CSV")
    requests = export_requests(month, metrics, dimensions, data_format)
    VdmExports(services.factory.client("sesv2")).require_vdm()
    logger.info("vdm export planned", extra={"month": month.label, "jobs": len(requests)})
    return {
        "Month": month.label,
        "Jobs": [
            {
                "Request": request,
                "Metrics": request["ExportDataSource"]["MetricsDataSource"]["Metrics"],
                "DataFormat": data_format,
            }
            for request in requests
        ],
        "PollSeconds": int(os.environ["VDM_POLL_SECONDS"]),
        "MaxPolls": int(os.environ["VDM_MAX_POLLS"]),
    }
