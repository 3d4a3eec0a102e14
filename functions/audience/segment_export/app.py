"""Runs one export job (invoked asynchronously with Pinpoint's ExportJobResponse as the event):
the segment's endpoints to S3 as gzipped JSON-lines parts, and the job record to its end."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.obs import logger, metrics
from engage.runtime import services
from engage.segments.export import run_export


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = run_export(
        event,
        services.segment_service.evaluate,
        services.jobs,
        lambda bucket, key, body: services.objects.write(bucket, key, body, "application/gzip"),
        int(services.settings.export_part_size),
        [services.settings.require("work_bucket")],
    )
    logger.info("export finished", extra={"job_id": job["Id"], "status": job["JobStatus"]})
    metrics.add_metric(name="ExportedEndpoints", unit="Count", value=job["TotalProcessed"])
    return job
