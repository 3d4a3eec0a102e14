"""Pinpoint's audience operations: endpoints, user endpoints, segments, import and export jobs and
the phone-number validation passed through to the surviving API."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.api.wiring import jobs, segment_removal
from engage.errors import NotFoundError, ValidationError
from engage.runtime import services
from routing import (
    accepted,
    json_body,
    json_response,
    listing,
    path_id,
    versions_listing,
    with_arn,
    with_arns,
)

router = APIGatewayRouter()
APPS = "/v1/apps/<app_id>"


# --- endpoints ------------------------------------------------------------------------------------
@router.put(f"{APPS}/endpoints/<endpoint_id>")
def update_endpoint(app_id: str, endpoint_id: str) -> Response:
    app_id, endpoint_id = path_id(app_id), path_id(endpoint_id)
    services.contacts.upsert(app_id, endpoint_id, json_body(router))
    return accepted(router)


@router.put(f"{APPS}/endpoints")
def update_endpoints_batch(app_id: str) -> Response:
    app_id = path_id(app_id)
    items = json_body(router).get("Item")
    if not isinstance(items, list):
        raise ValidationError("Item", "must be a list of endpoints")
    services.contacts.upsert_batch(app_id, items)
    return accepted(router)


@router.get(f"{APPS}/endpoints/<endpoint_id>")
def get_endpoint(app_id: str, endpoint_id: str) -> Response:
    app_id, endpoint_id = path_id(app_id), path_id(endpoint_id)
    return json_response(200, services.contacts.get(app_id, endpoint_id))


@router.delete(f"{APPS}/endpoints/<endpoint_id>")
def delete_endpoint(app_id: str, endpoint_id: str) -> Response:
    app_id, endpoint_id = path_id(app_id), path_id(endpoint_id)
    return json_response(202, services.contacts.delete(app_id, endpoint_id))


@router.get(f"{APPS}/users/<user_id>")
def get_user_endpoints(app_id: str, user_id: str) -> Response:
    app_id, user_id = path_id(app_id), path_id(user_id)
    return json_response(
        200, {"Item": _known_user(services.contacts.get_user_endpoints(app_id, user_id), user_id)}
    )


@router.put(f"{APPS}/attributes/<attribute_type>")
def remove_attributes(app_id: str, attribute_type: str) -> Response:
    removed = services.contacts.remove_attributes(path_id(app_id), attribute_type, json_body(router))
    return json_response(200, removed)


@router.delete(f"{APPS}/users/<user_id>")
def delete_user_endpoints(app_id: str, user_id: str) -> Response:
    app_id, user_id = path_id(app_id), path_id(user_id)
    return json_response(
        202, {"Item": _known_user(services.contacts.delete_user_endpoints(app_id, user_id), user_id)}
    )


def _known_user(endpoints: list[dict[str, Any]], user_id: str) -> list[dict[str, Any]]:
    """Pinpoint answers NotFoundException for a user without endpoints."""
    if not endpoints:
        raise NotFoundError(f"user {user_id!r} has no endpoints")
    return endpoints


# --- segments -------------------------------------------------------------------------------------
@router.post(f"{APPS}/segments")
def create_segment(app_id: str) -> Response:
    app_id = path_id(app_id)
    return json_response(
        201, with_arn(app_id, "segments", services.segment_service.create(app_id, json_body(router)))
    )


@router.get(f"{APPS}/segments/<segment_id>")
def get_segment(app_id: str, segment_id: str) -> Response:
    app_id, segment_id = path_id(app_id), path_id(segment_id)
    return json_response(200, with_arn(app_id, "segments", services.segment_service.get(app_id, segment_id)))


@router.put(f"{APPS}/segments/<segment_id>")
def update_segment(app_id: str, segment_id: str) -> Response:
    app_id, segment_id = path_id(app_id), path_id(segment_id)
    return json_response(
        200,
        with_arn(app_id, "segments", services.segment_service.update(app_id, segment_id, json_body(router))),
    )


@router.delete(f"{APPS}/segments/<segment_id>")
def delete_segment(app_id: str, segment_id: str) -> Response:
    removed = segment_removal().remove(path_id(app_id), path_id(segment_id))
    return json_response(200, with_arn(path_id(app_id), "segments", removed))


@router.get(f"{APPS}/segments/<segment_id>/versions")
def get_segment_versions(app_id: str, segment_id: str) -> Response:
    versions = services.segment_service.versions(path_id(app_id), path_id(segment_id))
    return versions_listing(router, path_id(app_id), "segments", versions)


@router.get(f"{APPS}/segments/<segment_id>/versions/<version>")
def get_segment_version(app_id: str, segment_id: str, version: str) -> Response:
    found = services.segment_service.version(path_id(app_id), path_id(segment_id), path_id(version))
    return json_response(200, with_arn(path_id(app_id), "segments", found))


@router.get(f"{APPS}/segments/<segment_id>/jobs/import")
def get_segment_import_jobs(app_id: str, segment_id: str) -> Response:
    return json_response(
        200, listing(router, jobs().of_segment(path_id(app_id), path_id(segment_id), "IMPORT"))
    )


@router.get(f"{APPS}/segments/<segment_id>/jobs/export")
def get_segment_export_jobs(app_id: str, segment_id: str) -> Response:
    return json_response(
        200, listing(router, jobs().of_segment(path_id(app_id), path_id(segment_id), "EXPORT"))
    )


@router.get(f"{APPS}/segments")
def get_segments(app_id: str) -> Response:
    app_id = path_id(app_id)
    return json_response(
        200, listing(router, with_arns(app_id, "segments", services.segment_service.list(app_id)))
    )


# --- import jobs ----------------------------------------------------------------------------------
@router.post(f"{APPS}/jobs/import")
def create_import_job(app_id: str) -> Response:
    return json_response(201, jobs().create_import(path_id(app_id), json_body(router)))


@router.get(f"{APPS}/jobs/import/<job_id>")
def get_import_job(app_id: str, job_id: str) -> Response:
    app_id, job_id = path_id(app_id), path_id(job_id)
    return json_response(200, jobs().get(app_id, job_id, "IMPORT"))


@router.get(f"{APPS}/jobs/import")
def get_import_jobs(app_id: str) -> Response:
    app_id = path_id(app_id)
    return json_response(200, listing(router, jobs().of_type(app_id, "IMPORT")))


# --- export jobs ----------------------------------------------------------------------------------
@router.post(f"{APPS}/jobs/export")
def create_export_job(app_id: str) -> Response:
    return json_response(202, jobs().create_export(path_id(app_id), json_body(router)))


@router.get(f"{APPS}/jobs/export/<job_id>")
def get_export_job(app_id: str, job_id: str) -> Response:
    app_id, job_id = path_id(app_id), path_id(job_id)
    return json_response(200, jobs().get(app_id, job_id, "EXPORT"))


@router.get(f"{APPS}/jobs/export")
def get_export_jobs(app_id: str) -> Response:
    app_id = path_id(app_id)
    return json_response(200, listing(router, jobs().of_type(app_id, "EXPORT")))


# --- phone numbers --------------------------------------------------------------------------------
@router.post("/v1/phone/number/validate")
def phone_number_validate() -> Response:
    body = json_body(router)
    if not isinstance(body.get("PhoneNumber"), str):
        raise ValidationError("PhoneNumber", "is required")
    return json_response(
        200, services.number_validator.validate(body["PhoneNumber"], body.get("IsoCountryCode"))
    )
