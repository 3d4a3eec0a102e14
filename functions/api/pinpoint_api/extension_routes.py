"""The project's own IAM-signed routes beside Pinpoint's, for the console: endpoints with their
addresses masked (what the masked role may read; IAM refuses it Pinpoint's own endpoint reads), the
search of an application's endpoints by address, the erasure of a person (the full role's), a
segment's size, a template's preview for one endpoint, a journey's canvas, and the chained campaign
runs awaiting approval with a person's answer to one."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.api.wiring import approvals, erasures
from engage.campaigns.runs import awaiting_approval_activities
from engage.console.views import (
    address_channels,
    erasure_request,
    preview_request,
    standing,
    template_preview,
    with_address_masked,
)
from engage.errors import NotFoundError, ValidationError
from engage.runtime import services
from routing import json_body, json_response, listing, path_id

router = APIGatewayRouter()
APPS = "/v1/apps/<app_id>"


@router.get(f"{APPS}/masked-endpoints/<endpoint_id>")
def get_masked_endpoint(app_id: str, endpoint_id: str) -> Response:
    endpoint = services.contacts.get(path_id(app_id), path_id(endpoint_id))
    return json_response(200, with_address_masked(endpoint))


@router.get(f"{APPS}/masked-users/<user_id>")
def get_masked_user_endpoints(app_id: str, user_id: str) -> Response:
    endpoints = services.contacts.get_user_endpoints(path_id(app_id), path_id(user_id))
    if not endpoints:
        raise NotFoundError(f"user {user_id!r} has no endpoints")
    return json_response(200, {"Item": [with_address_masked(e) for e in endpoints]})


@router.get(f"{APPS}/endpoint-search")
def search_by_address(app_id: str) -> Response:
    address = (router.current_event.get_query_string_value("address") or "").strip()
    if not address:
        raise ValidationError("address", "is required: the email address or phone number to find")
    app_id = path_id(app_id)
    found = [
        e
        for channel in address_channels(address)
        for e in services.contacts.find_by_address(app_id, channel, address)
    ]
    return json_response(200, {"Item": found})


@router.post(f"{APPS}/erasures")
def erase_person(app_id: str) -> Response:
    """Erases one person (by endpoint, user or address) and answers what was erased."""
    request = erasure_request(path_id(app_id), json_body(router))
    return json_response(200, erasures().erase(request))


@router.get(f"{APPS}/segment-sizes/<segment_id>")
def segment_size(app_id: str, segment_id: str) -> Response:
    """The segment's size per channel: exact, or with `sample-shards` estimated from that many of
    the store's shards (quick on a large application; the API answers within 29 s)."""
    sample = router.current_event.get_query_string_value("sample-shards")
    if sample is not None and not sample.isdigit():
        raise ValidationError("sample-shards", "must be a whole number of shards")
    found = services.segment_service.estimate(
        path_id(app_id), path_id(segment_id), int(sample) if sample else None
    )
    return json_response(200, found)


@router.post(f"{APPS}/template-previews")
def preview_template(app_id: str) -> Response:
    """A stored template, or one being written, rendered for one endpoint (its address masked)."""
    wanted = preview_request(json_body(router))
    template = wanted.inline or services.templates.get(wanted.kind, wanted.name, wanted.version)
    endpoint = services.contacts.get(path_id(app_id), wanted.endpoint_id)
    return json_response(200, template_preview(template, endpoint))


@router.get(f"{APPS}/journey-canvases/<journey_id>")
def journey_canvas(app_id: str, journey_id: str) -> Response:
    """The journey's activities in columns, each with how many entered, wait, moved on, and were
    sent, skipped or failed: what the campaign report draws, from the same counters."""
    return json_response(200, services.journey_metrics.canvas(path_id(app_id), path_id(journey_id)))


@router.get(f"{APPS}/campaign-runs")
def campaign_runs_awaiting_approval(app_id: str) -> Response:
    """The application's chained campaign runs that wait on approval, as activities (`awaiting` must
    be `approval`: the only runs listed here; a campaign's own are its activities)."""
    if router.current_event.get_query_string_value("awaiting") != "approval":
        raise ValidationError("awaiting", "must be approval")
    waiting = awaiting_approval_activities(services.jobs.list(path_id(app_id)))
    return json_response(200, listing(router, waiting))


@router.post(f"{APPS}/campaign-runs/<run_id>/approval")
def decide_approval(app_id: str, run_id: str) -> Response:
    """Approves ({"Approved": true}) or rejects ({"Approved": false, "Reason": ...}) a chained
    campaign run awaiting approval; answers the run's activity."""
    body = json_body(router)
    approved = body.get("Approved")
    if not isinstance(approved, bool):
        raise ValidationError("Approved", "must be true or false")
    reason = body.get("Reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 256):
        raise ValidationError("Reason", "must be a string of at most 256 characters")
    return json_response(200, approvals().decide(path_id(app_id), path_id(run_id), approved, reason))


@router.get(f"{APPS}/endpoint-standing/<endpoint_id>")
def endpoint_standing(app_id: str, endpoint_id: str) -> Response:
    """The endpoint's consent and suppressions, and whether a message to it would go out now."""
    app_id = path_id(app_id)
    endpoint = services.contacts.get(app_id, path_id(endpoint_id))
    return json_response(200, standing(app_id, endpoint, services.consent, services.suppression))
