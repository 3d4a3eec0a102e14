"""An object created under imports/<application id>/ (S3 through EventBridge) starts one import
execution, named after the object's bucket, key and version, so a duplicate event starts nothing."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.imports.wiring import import_start
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    obj = event.detail["object"]
    job_id, started = import_start().start(
        event.detail["bucket"]["name"], obj["key"], obj.get("version-id"), obj.get("etag", "")
    )
    logger.info("import %s", "requested" if started else "already done", extra={"job_id": job_id})
    metrics.add_metric(name="ImportsStarted" if started else "DuplicateImportEvents", unit="Count", value=1)
    return {"job_id": job_id, "started": started}
