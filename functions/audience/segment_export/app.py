"""Runs one export job (invoked asynchronously with Pinpoint's ExportJobResponse as the event):
the segment's endpoints to S3 as gzipped JSON-lines parts, and the job record to its end."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.wiring import export_segment
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = export_segment(event)
    logger.info("export finished", extra={"job_id": job["Id"], "status": job["JobStatus"]})
    metrics.add_metric(name="ExportedEndpoints", unit="Count", value=job["TotalProcessed"])
    return job
