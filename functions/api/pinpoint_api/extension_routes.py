"""The project's own IAM-signed routes beside Pinpoint's, for the console: endpoints with their
addresses masked (what the masked role may read; IAM refuses it Pinpoint's own endpoint reads) and
the search of an application's endpoints by address."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.console.views import address_channels, with_address_masked
from engage.errors import NotFoundError, ValidationError
from engage.runtime import services
from routing import json_response, path_id

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
