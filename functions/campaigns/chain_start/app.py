"""A file dropped under campaign-imports/<application id>/ (S3 through EventBridge) starts one
import, validate, campaign chain, named after the object, so a duplicate event starts nothing. The
file's metadata names the templates and may ask for approval; a file that names none is refused
here, before anything is imported (the event goes to the function's DLQ with the reason)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.campaigns.wiring import chain_start
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    obj = event.detail["object"]
    # A refusal (no template named, no such application, the file gone) raises: the event goes to
    # the function's DLQ with the reason.
    run_id, started = chain_start().start(
        event.detail["bucket"]["name"], obj["key"], obj.get("version-id"), obj.get("etag", "")
    )
    logger.info("chain %s", "started" if started else "already started", extra={"run_id": run_id})
    metrics.add_metric(name="ChainsStarted" if started else "DuplicateChainEvents", unit="Count", value=1)
    return {"run_id": run_id, "started": started}
