"""Erases a person from an application (`engage erase` invokes it): every endpoint of the user, or
one endpoint, with the archive of what was sent to them, their consent history and their
suppression entries in clear, leaving only the keyed hash of each address in the suppression list.

Event: {"ApplicationId": "...", "EndpointId": "..."}, {"ApplicationId": "...", "UserId": "..."}, or
{"ApplicationId": "...", "Address": "...", "ChannelType": "EMAIL"} (every endpoint holding the
address, and what was sent to it without one)."""

import json
import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.contacts.model import now_iso
from engage.erasure import erase, lake_person
from engage.errors import EngageError, NotFoundError, ValidationError
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        app_id, endpoints, addresses = _targets(event)
        # The lake is erased asynchronously (it is read file by file); queued first, so an erasure
        # that fails half-way and is run again still reaches it.
        person = lake_person(
            app_id,
            endpoints,
            lambda channel, address: services.address_pseudonym(app_id, channel, address),
            addresses,
        )
        services.factory.client("sqs").send_message(
            QueueUrl=os.environ["LAKE_ERASURE_QUEUE_URL"], MessageBody=json.dumps(person.to_dict())
        )
        report = erase(
            app_id,
            endpoints,
            services.contacts,
            services.consent,
            services.suppression,
            services.archive,
            now_iso(),
            lambda channel, address: services.address_pseudonym(app_id, channel, address),
            addresses,
        )
    except EngageError as exc:
        return {"Error": {"Type": type(exc).__name__, "Message": str(exc)}}
    metrics.add_metric(name="EndpointsErased", unit="Count", value=len(report.endpoints))
    logger.info("erased", extra={"application_id": app_id, "endpoints": len(report.endpoints)})
    return {"ApplicationId": app_id, **report.to_dict(), "LakeErasure": "QUEUED"}


def _targets(event: dict[str, Any]) -> tuple[str, list[dict[str, Any]], list[tuple[str, str]]]:
    """The application, the endpoints to erase and the addresses sent to without an endpoint."""
    app_id = event.get("ApplicationId")
    given = [name for name in ("EndpointId", "UserId", "Address") if event.get(name)]
    if not app_id or len(given) != 1:
        raise ValidationError("event", "give ApplicationId and exactly one of EndpointId, UserId and Address")
    if event.get("UserId"):
        endpoints = services.contacts.get_user_endpoints(app_id, event["UserId"])
        if not endpoints:
            raise NotFoundError(f"user {event['UserId']!r} has no endpoints in application {app_id}")
        return app_id, endpoints, []
    if event.get("EndpointId"):
        return app_id, [services.contacts.get(app_id, event["EndpointId"])], []
    address = event["Address"]
    channel = event.get("ChannelType") or ("EMAIL" if "@" in address else "SMS")
    channels = [channel] if channel != "SMS" else ["SMS", "VOICE"]  # one phone number, two channels
    endpoints = [e for c in channels for e in services.contacts.find_by_address(app_id, c, address)]
    return app_id, list({e["Id"]: e for e in endpoints}.values()), [(c, address) for c in channels]
