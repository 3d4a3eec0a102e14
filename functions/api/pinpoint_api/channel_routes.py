"""The channel operations: Get, Update and Delete for each of the application's channels (email,
SMS, voice, APNs and its variants, GCM, ADM, Baidu) at /v1/apps/{id}/channels/<channel>, and
GetChannels."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.runtime import services
from routing import caller, json_body, json_response, path_id

router = APIGatewayRouter()
CHANNELS = "/v1/apps/<app_id>/channels"


@router.get(CHANNELS)
def get_channels(app_id: str) -> Response:
    return json_response(200, services.applications.channels(path_id(app_id)))


@router.get(f"{CHANNELS}/<channel>")
def get_channel(app_id: str, channel: str) -> Response:
    return json_response(200, services.applications.channel(path_id(app_id), channel))


@router.put(f"{CHANNELS}/<channel>")
def update_channel(app_id: str, channel: str) -> Response:
    answer = services.applications.update_channel(path_id(app_id), channel, json_body(router), caller(router))
    return json_response(200, answer)


@router.delete(f"{CHANNELS}/<channel>")
def delete_channel(app_id: str, channel: str) -> Response:
    return json_response(200, services.applications.delete_channel(path_id(app_id), channel))
