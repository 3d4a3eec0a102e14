"""Pinpoint's application operations (CreateApp, GetApp, GetApps, DeleteApp), application
settings (GetApplicationSettings, UpdateApplicationSettings), the application's event stream
(PutEventStream, GetEventStream, DeleteEventStream), and the check every other
application-scoped operation makes first: an application that was never created, or was deleted,
answers NotFoundException, as Pinpoint did."""

from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.runtime import services
from routing import caller, json_body, json_response, listing, path_id

router = APIGatewayRouter()
APPS = "/v1/apps"


@router.post(APPS)
def create_app() -> Response:
    return json_response(201, services.applications.create(json_body(router)))


@router.get(APPS)
def get_apps() -> Response:
    return json_response(200, listing(router, services.applications.list()))


@router.get(f"{APPS}/<app_id>")
def get_app(app_id: str) -> Response:
    return json_response(200, services.applications.get(path_id(app_id)))


@router.delete(f"{APPS}/<app_id>")
def delete_app(app_id: str) -> Response:
    """Its campaigns' schedules go first; its data is removed in the background."""
    return json_response(200, services.applications.delete(path_id(app_id)))


@router.get(f"{APPS}/<app_id>/settings")
def get_application_settings(app_id: str) -> Response:
    return json_response(200, services.applications.get_settings(path_id(app_id)))


@router.put(f"{APPS}/<app_id>/settings")
def update_application_settings(app_id: str) -> Response:
    return json_response(200, services.applications.update_settings(path_id(app_id), json_body(router)))


@router.post(f"{APPS}/<app_id>/eventstream")
def put_event_stream(app_id: str) -> Response:
    stream = services.applications.put_event_stream(path_id(app_id), json_body(router), caller(router))
    return json_response(200, stream)


@router.get(f"{APPS}/<app_id>/eventstream")
def get_event_stream(app_id: str) -> Response:
    return json_response(200, services.applications.event_stream(path_id(app_id)))


@router.delete(f"{APPS}/<app_id>/eventstream")
def delete_event_stream(app_id: str) -> Response:
    return json_response(200, services.applications.delete_event_stream(path_id(app_id)))


def known_application(app: APIGatewayRouter, next_middleware: NextMiddleware) -> Response:
    """Middleware: /v1/apps/<id>/... needs a live application before anything is read or written."""
    parts = app.current_event.path.strip("/").split("/")
    if len(parts) > 3 and parts[:2] == ["v1", "apps"]:
        services.applications.require(unquote(parts[2]))
    return next_middleware(app)
