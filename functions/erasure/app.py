"""Erases a person from an application (`engage erase` invokes it): every endpoint of the user, or
one endpoint, with the archive of what was sent to them, their consent history and their
suppression entries in clear, leaving only the keyed hash of each address in the suppression list.

Event: {"ApplicationId": "...", "EndpointId": "..."} or {"ApplicationId": "...", "UserId": "..."}."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.contacts.model import now_iso
from engage.erasure import erase
from engage.errors import EngageError, NotFoundError, ValidationError
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        app_id, endpoints = _endpoints(event)
        report = erase(
            app_id,
            endpoints,
            services.contacts,
            services.consent,
            services.suppression,
            services.archive,
            now_iso(),
        )
    except EngageError as exc:
        return {"Error": {"Type": type(exc).__name__, "Message": str(exc)}}
    metrics.add_metric(name="EndpointsErased", unit="Count", value=len(report.endpoints))
    logger.info("erased", extra={"application_id": app_id, "endpoints": len(report.endpoints)})
    return {"ApplicationId": app_id, **report.to_dict()}


def _endpoints(event: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    app_id = event.get("ApplicationId")
    endpoint_id, user_id = event.get("EndpointId"), event.get("UserId")
    if not app_id or bool(endpoint_id) == bool(user_id):
        raise ValidationError("event", "give ApplicationId and exactly one of EndpointId and UserId")
    if user_id:
        endpoints = services.contacts.get_user_endpoints(app_id, user_id)
        if not endpoints:
            raise NotFoundError(f"user {user_id!r} has no endpoints in application {app_id}")
        return app_id, endpoints
    return app_id, [services.contacts.get(app_id, endpoint_id)]
