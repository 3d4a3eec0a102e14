"""Copies a finished VDM export into the asset bucket (under private/, served only through signed
links) and reads its totals per metric; the job is read again first, for a fresh link."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.vdm_exports import VdmExports, copy_export
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job_id = event["JobId"]
    link, data_format = VdmExports(services.factory.client("sesv2")).fresh_link(job_id)
    key = f"private/vdm/{event['Month']}/{job_id}.{'csv' if data_format == 'CSV' else 'jsonl'}"
    totals = copy_export(
        link, services.factory.client("s3"), os.environ["ASSET_BUCKET"], key, event["Metrics"], data_format
    )
    metrics.add_metric(name="VdmExportRows", unit="Count", value=totals.rows)
    logger.info("vdm export copied", extra={"job_id": job_id, "key": key, "rows": totals.rows})
    return {
        "Outcome": "COMPLETED",
        "JobId": job_id,
        "Key": key,
        "Rows": totals.rows,
        "Totals": totals.as_dict(),
    }
