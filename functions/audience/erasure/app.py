"""Erases a person from an application (`engage erase` invokes it): every endpoint of the user, or
one endpoint, with the archive of what was sent to them, their consent history and their
suppression entries in clear, leaving only the keyed hash of each address in the suppression list
(engage.audience.erasure); the event lake's erasure is queued.

Event: {"ApplicationId": "...", "EndpointId": "..."}, {"ApplicationId": "...", "UserId": "..."}, or
{"ApplicationId": "...", "Address": "...", "ChannelType": "EMAIL"} (every endpoint holding the
address, and what was sent to it without one)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience import wiring
from engage.errors import EngageError
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        app_id, report = wiring.erasure().erase(event)
    except EngageError as exc:
        return {"Error": {"Type": type(exc).__name__, "Message": str(exc)}}
    metrics.add_metric(name="EndpointsErased", unit="Count", value=len(report.endpoints))
    logger.info("erased", extra={"application_id": app_id, "endpoints": len(report.endpoints)})
    return {"ApplicationId": app_id, **report.to_dict(), "LakeErasure": "QUEUED"}
