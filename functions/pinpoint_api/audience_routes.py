"""Pinpoint's audience operations: endpoints, user endpoints, segments, import and export jobs and
the phone-number validation passed through to the surviving API."""

from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.errors import NotFoundError, ValidationError
from engage.imports.job import requested_import
from engage.pages import page
from engage.runtime import services
from engage.segments.export import new_export_job, writable

router = APIGatewayRouter()
APPS = "/v1/apps/<app_id>"


def _id(value: str) -> str:
    """A path parameter as the caller wrote it: botocore percent-encodes ids (`user@example.com`
    arrives as `user%40example.com`) and API Gateway passes the path on encoded."""
    return unquote(value)


def _json(status: int, body: Any) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _accepted() -> Response:
    return _json(202, {"Message": "Accepted", "RequestID": router.current_event.request_context.request_id})


def _body() -> dict[str, Any]:
    body = router.current_event.json_body
    if not isinstance(body, dict):
        raise ValidationError("body", "must be a JSON object")
    return body


def _page(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Pinpoint's list shape, a page at a time: `page-size` items (default DEFAULT_PAGE) from the
    position `token` names, with NextToken while more remain."""
    return page(
        items,
        router.current_event.get_query_string_value("page-size"),
        router.current_event.get_query_string_value("token"),
    )


# --- endpoints ------------------------------------------------------------------------------------
@router.put(f"{APPS}/endpoints/<endpoint_id>")
def update_endpoint(app_id: str, endpoint_id: str) -> Response:
    app_id, endpoint_id = _id(app_id), _id(endpoint_id)
    services.contacts.upsert(app_id, endpoint_id, _body())
    return _accepted()


@router.put(f"{APPS}/endpoints")
def update_endpoints_batch(app_id: str) -> Response:
    app_id = _id(app_id)
    items = _body().get("Item")
    if not isinstance(items, list):
        raise ValidationError("Item", "must be a list of endpoints")
    services.contacts.upsert_batch(app_id, items)
    return _accepted()


@router.get(f"{APPS}/endpoints/<endpoint_id>")
def get_endpoint(app_id: str, endpoint_id: str) -> Response:
    app_id, endpoint_id = _id(app_id), _id(endpoint_id)
    return _json(200, services.contacts.get(app_id, endpoint_id))


@router.delete(f"{APPS}/endpoints/<endpoint_id>")
def delete_endpoint(app_id: str, endpoint_id: str) -> Response:
    app_id, endpoint_id = _id(app_id), _id(endpoint_id)
    return _json(202, services.contacts.delete(app_id, endpoint_id))


@router.get(f"{APPS}/users/<user_id>")
def get_user_endpoints(app_id: str, user_id: str) -> Response:
    app_id, user_id = _id(app_id), _id(user_id)
    return _json(200, {"Item": _known_user(services.contacts.get_user_endpoints(app_id, user_id), user_id)})


@router.delete(f"{APPS}/users/<user_id>")
def delete_user_endpoints(app_id: str, user_id: str) -> Response:
    app_id, user_id = _id(app_id), _id(user_id)
    return _json(
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
    app_id = _id(app_id)
    return _json(201, services.segment_service.create(app_id, _body()))


@router.get(f"{APPS}/segments/<segment_id>")
def get_segment(app_id: str, segment_id: str) -> Response:
    app_id, segment_id = _id(app_id), _id(segment_id)
    return _json(200, services.segment_service.get(app_id, segment_id))


@router.get(f"{APPS}/segments")
def get_segments(app_id: str) -> Response:
    app_id = _id(app_id)
    return _json(200, _page(services.segment_service.list(app_id)))


# --- import jobs ----------------------------------------------------------------------------------
@router.post(f"{APPS}/jobs/import")
def create_import_job(app_id: str) -> Response:
    app_id = _id(app_id)
    settings = services.settings
    job, workflow_input = requested_import(
        app_id, _body(), settings.require("work_bucket"), int(settings.import_concurrency)
    )
    services.jobs.create(job)
    services.import_workflow.start(f"import-{job['Id']}", workflow_input)
    return _json(201, job)


@router.get(f"{APPS}/jobs/import/<job_id>")
def get_import_job(app_id: str, job_id: str) -> Response:
    app_id, job_id = _id(app_id), _id(job_id)
    return _json(200, _job(app_id, job_id, "IMPORT"))


@router.get(f"{APPS}/jobs/import")
def get_import_jobs(app_id: str) -> Response:
    app_id = _id(app_id)
    return _json(200, _page(_jobs_of(app_id, "IMPORT")))


# --- export jobs ----------------------------------------------------------------------------------
@router.post(f"{APPS}/jobs/export")
def create_export_job(app_id: str) -> Response:
    app_id = _id(app_id)
    request = _body()
    job = new_export_job(app_id, request)
    writable(job["Definition"]["S3UrlPrefix"], [services.settings.require("work_bucket")])
    services.segment_service.get(app_id, request["SegmentId"])  # NotFound before a job exists
    services.jobs.create(job)
    services.export_runner.start(job)
    return _json(202, job)


@router.get(f"{APPS}/jobs/export/<job_id>")
def get_export_job(app_id: str, job_id: str) -> Response:
    app_id, job_id = _id(app_id), _id(job_id)
    return _json(200, _job(app_id, job_id, "EXPORT"))


@router.get(f"{APPS}/jobs/export")
def get_export_jobs(app_id: str) -> Response:
    app_id = _id(app_id)
    return _json(200, _page(_jobs_of(app_id, "EXPORT")))


def _jobs_of(app_id: str, kind: str) -> list[dict[str, Any]]:
    """The application's jobs of one type (the job store also holds the other types)."""
    return [j for j in services.jobs.list(app_id) if j["Type"] == kind]


def _job(app_id: str, job_id: str, kind: str) -> dict[str, Any]:
    job = services.jobs.get(app_id, job_id)
    if job is None or job["Type"] != kind:
        raise NotFoundError(f"{kind.lower()} job {job_id!r} does not exist in application {app_id!r}")
    return job


# --- phone numbers --------------------------------------------------------------------------------
@router.post("/v1/phone/number/validate")
def phone_number_validate() -> Response:
    body = _body()
    if not isinstance(body.get("PhoneNumber"), str):
        raise ValidationError("PhoneNumber", "is required")
    return _json(200, services.number_validator.validate(body["PhoneNumber"], body.get("IsoCountryCode")))
