"""An object created under imports/<application id>/ (S3 through EventBridge) starts one import
execution, named after the object's bucket, key and version, so a duplicate event starts nothing."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.imports.job import ImportSource, decoded_key
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    detail = event.detail
    obj = detail["object"]
    # The version names the object where the bucket keeps versions; the ETag tells contents apart where it
    # doesn't, so a different file under the same key is a new import and the same file is a duplicate.
    version = f"{obj.get('version-id') or 'null'}/{obj.get('etag', '')}"
    source = ImportSource(detail["bucket"]["name"], decoded_key(obj["key"]), version)
    started = services.import_workflow.start(
        source.execution_name,
        {
            "bucket": source.bucket,
            "key": source.key,
            "version": source.version,
            "job_id": source.job_id,
            "app_id": source.app_id,
            "received_key": obj["key"],  # as the event spelled it, should the decoded key not exist
            "define_segment": True,
            "concurrency": int(services.settings.import_concurrency),
        },
    )
    # Step Functions answers a start under a running execution's name with that execution, and refuses
    # one under a closed execution's name: either way the object is imported once.
    logger.info("import %s", "requested" if started else "already done", extra={"job_id": source.job_id})
    metrics.add_metric(name="ImportsStarted" if started else "DuplicateImportEvents", unit="Count", value=1)
    return {"job_id": source.job_id, "started": started}
