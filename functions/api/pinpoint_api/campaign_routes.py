"""Pinpoint's campaign operations: create, get, list, update and delete campaigns, and a campaign's
activities (its runs), with Pinpoint's request and response shapes."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage import clock
from engage.campaigns.runs import activities
from engage.campaigns.status import with_status
from engage.errors import NotFoundError, ValidationError
from engage.runtime import services
from routing import json_body, json_response, listing, path_id, versions_listing, with_arn, with_arns

router = APIGatewayRouter()
CAMPAIGNS = "/v1/apps/<app_id>/campaigns"


@router.post(CAMPAIGNS)
def create_campaign(app_id: str) -> Response:
    request = _event_segment_checked(path_id(app_id), json_body(router))
    campaign = services.campaigns.create(path_id(app_id), request)
    services.campaign_launcher.apply(campaign)  # an IMMEDIATE campaign starts now; a later one is scheduled
    return json_response(201, with_arn(path_id(app_id), "campaigns", campaign))


@router.get(CAMPAIGNS)
def get_campaigns(app_id: str) -> Response:
    found = _with_statuses(path_id(app_id), services.campaigns.list(path_id(app_id)))
    return json_response(200, listing(router, with_arns(path_id(app_id), "campaigns", found)))


@router.get(f"{CAMPAIGNS}/<campaign_id>")
def get_campaign(app_id: str, campaign_id: str) -> Response:
    campaign = services.campaigns.get(path_id(app_id), path_id(campaign_id))
    (found,) = _with_statuses(path_id(app_id), [campaign])
    return json_response(200, with_arn(path_id(app_id), "campaigns", found))


@router.put(f"{CAMPAIGNS}/<campaign_id>")
def update_campaign(app_id: str, campaign_id: str) -> Response:
    request = _event_segment_checked(path_id(app_id), json_body(router))
    campaign = services.campaigns.update(path_id(app_id), path_id(campaign_id), request)
    services.campaign_launcher.apply(campaign)
    (answered,) = _with_statuses(path_id(app_id), [campaign])
    return json_response(200, with_arn(path_id(app_id), "campaigns", answered))


def _with_statuses(app_id: str, campaigns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each campaign with its CampaignStatus as its runs make it now (engage.campaigns.status)."""
    runs = services.jobs.list(app_id) if campaigns else []
    now = clock.now()
    return [with_status(campaign, runs, now) for campaign in campaigns]


@router.delete(f"{CAMPAIGNS}/<campaign_id>")
def delete_campaign(app_id: str, campaign_id: str) -> Response:
    campaign = services.campaigns.delete(path_id(app_id), path_id(campaign_id))
    services.campaign_launcher.remove(campaign)
    return json_response(200, with_arn(path_id(app_id), "campaigns", campaign))


@router.get(f"{CAMPAIGNS}/<campaign_id>/versions")
def get_campaign_versions(app_id: str, campaign_id: str) -> Response:
    versions = services.campaigns.versions(path_id(app_id), path_id(campaign_id))
    return versions_listing(router, path_id(app_id), "campaigns", versions)


@router.get(f"{CAMPAIGNS}/<campaign_id>/versions/<version>")
def get_campaign_version(app_id: str, campaign_id: str, version: str) -> Response:
    found = services.campaigns.version(path_id(app_id), path_id(campaign_id), path_id(version))
    return json_response(200, with_arn(path_id(app_id), "campaigns", found))


@router.get(f"{CAMPAIGNS}/<campaign_id>/activities")
def get_campaign_activities(app_id: str, campaign_id: str) -> Response:
    app_id, campaign_id = path_id(app_id), path_id(campaign_id)
    services.campaigns.get(app_id, campaign_id)  # Pinpoint's NotFoundException for an unknown campaign
    return json_response(200, listing(router, activities(services.jobs.list(app_id), campaign_id)))


def _event_segment_checked(app_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Pinpoint's rule for event-triggered campaigns: their segment exists and is dynamic. A
    campaign names the segment version it sends to (CampaignResponse.SegmentVersion, which botocore
    requires): the segment's current one when the request names none."""
    if request.get("SegmentId") and request.get("SegmentVersion") is None:
        try:
            current = services.segment_service.get(app_id, str(request["SegmentId"]))
            request = {**request, "SegmentVersion": int(current["Version"])}
        except NotFoundError:
            pass  # refused below, or by the campaign's own checks
    schedule = request.get("Schedule")
    triggered = ("EVENT", "IN_APP_EVENT")  # one endpoint at a time: the segment must be dynamic
    if isinstance(schedule, dict) and schedule.get("Frequency") in triggered and request.get("SegmentId"):
        try:
            services.segment_service.membership(app_id, str(request["SegmentId"]))
        except NotFoundError as exc:
            raise ValidationError("SegmentId", str(exc)) from exc
    return request


@router.get("/v1/apps/<app_id>/endpoints/<endpoint_id>/inappmessages")
def get_in_app_messages(app_id: str, endpoint_id: str) -> Response:
    found = services.in_app_messaging.messages(path_id(app_id), path_id(endpoint_id))
    return json_response(200, found)
