"""The import's split step: creates the job record, streams the file once and writes chunk objects
of N records (each with its original line) and a manifest for the Map that imports them."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.errors import NotFoundError
from engage.imports.job import WORK_PREFIX, ImportSource, new_job, split
from engage.imports.reader import ImportFormatError, read_endpoints
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    source = ImportSource(event["bucket"], event["key"], event["version"])
    job_id = event.get("job_id") or source.job_id
    app_id = event.get("app_id") or source.app_id  # CreateImportJob names it; a drop's key does
    try:
        services.applications.require(app_id)
    except NotFoundError as exc:  # the file stays where it is; dropped again once the app exists
        logger.warning("import refused: %s", exc, extra={"job_id": job_id})
        return {**event, "status": "FAILED", "reason": str(exc), "refused": True}
    key = services.objects.existing_key(source.bucket, source.key, event.get("received_key"))
    services.jobs.create(  # a job created by CreateImportJob exists already
        new_job(
            job_id,
            app_id,
            source.bucket,
            key,
            event.get("define_segment", True),
            event.get("segment_name"),
            event.get("format"),
            event.get("mode", "register"),
        )
    )
    prefix = f"{WORK_PREFIX}{job_id}/"
    try:
        with services.objects.open(source.bucket, key) as stream:
            result = split(
                read_endpoints(
                    stream, services.contacts.quotas, event.get("mode", "register"), event.get("header")
                ),
                int(services.settings.import_chunk_size),
                lambda i, body: services.objects.write(source.bucket, f"{prefix}chunk-{i:05d}.jsonl", body),
            )
    except ImportFormatError as exc:
        logger.warning("import file refused: %s", exc.reason, extra={"job_id": job_id})
        services.jobs.finish(app_id, job_id, "FAILED", [f"the file can't be imported: {exc.reason}"])
        return {**event, "status": "FAILED", "reason": exc.reason}
    manifest = services.objects.write_json(
        source.bucket,
        f"{prefix}manifest.json",
        [
            {
                **chunk,
                "bucket": source.bucket,
                "job_id": job_id,
                "app_id": app_id,
                "mode": event.get("mode", "register"),
            }
            for chunk in result.chunks
        ],
    )
    services.jobs.start_processing(app_id, job_id, len(result.chunks))
    metrics.add_metric(name="ImportRecords", unit="Count", value=result.records)
    return {
        **event,
        "status": "PROCESSING",
        "manifest": manifest,
        "pieces": len(result.chunks),
        "records": result.records,
    }
