"""Starts a phone-validation run: picks the endpoints to validate (one segment's, or the
application's) and writes them as parts for the workflow's Map, with each part's share of the
PhoneNumberValidate rate."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.phone.runs import WORK_PREFIX, candidates, new_run, part_size, scope
from engage.obs import logger, metrics
from engage.runtime import services
from engage.segments.export import part_key, write_parts


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings, run_id = services.settings, event["run_id"]
    app_id, segment_id = scope(event["input"])
    services.applications.require(app_id)
    services.jobs.create(new_run(run_id, app_id, segment_id, event["input"]))  # False on a retry
    bucket, prefix = settings.require("work_bucket"), f"{WORK_PREFIX}{run_id}/"
    quota, most = float(settings.phone_validate_rate), int(settings.validation_concurrency)
    written = write_parts(
        candidates(services.segment_service, app_id, segment_id),
        part_size(int(settings.validation_part_size), quota, most),
        lambda index, body: services.objects.write(bucket, part_key(prefix, "parts", index), body),
    )
    concurrency = max(1, min(most, len(written.parts)))
    rate = quota / concurrency  # the parts running at once share the quota
    items = [
        {"app_id": app_id, "run_id": run_id, "bucket": bucket, "rate": rate, **part} for part in written.parts
    ]
    manifest = services.objects.write_json(bucket, f"{prefix}manifest.json", items)
    services.jobs.start_processing(app_id, run_id, len(items))
    logger.info("validation run selected", extra={"run_id": run_id, "endpoints": written.records})
    return {
        "app_id": app_id,
        "run_id": run_id,
        "bucket": bucket,
        "manifest": manifest,
        "parts": len(items),
        "concurrency": concurrency,
    }
