"""A file dropped under campaign-imports/<application id>/ (S3 through EventBridge) starts one
import, validate, campaign chain, named after the object, so a duplicate event starts nothing. The
file's metadata names the templates and may ask for approval; a file that names none is refused
here, before anything is imported (the event goes to the function's DLQ with the reason)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.imports.job import ImportSource, decoded_key
from engage.campaigns.chain import chain_input
from engage.errors import NotFoundError
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    obj = event.detail["object"]
    bucket = event.detail["bucket"]["name"]
    version = f"{obj.get('version-id') or 'null'}/{obj.get('etag', '')}"
    key, metadata = services.objects.existing(bucket, decoded_key(obj["key"]), obj["key"])
    if metadata is None:
        raise NotFoundError(f"s3://{bucket}/{key} no longer exists: nothing to import")
    source = ImportSource(bucket, key, version)
    chain = chain_input(
        source,
        obj["key"],
        metadata,
        services.settings.chain_approval,
        int(services.settings.import_concurrency),
        int(services.settings.chain_approval_timeout),
    )
    services.applications.require(chain["app_id"])  # refused: the event goes to the DLQ with the reason
    started = services.chain_workflow.start(chain["run_id"], chain)
    logger.info("chain %s", "started" if started else "already started", extra={"run_id": chain["run_id"]})
    metrics.add_metric(name="ChainsStarted" if started else "DuplicateChainEvents", unit="Count", value=1)
    return {"run_id": chain["run_id"], "started": started}
