"""Pinpoint's PutEvents: endpoint updates and events from an application, answered item by item;
the accepted events go to the event stream before the answer (engage.api.ingest), and what they
say of each endpoint is kept: its last activity, its sessions and its in-app displays."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.api.ingest import put_events as ingest
from engage.api.ingest import record_activity
from engage.events import emit
from engage.obs import metrics
from engage.runtime import services
from routing import json_body, json_response, path_id

router = APIGatewayRouter()


@router.post("/v1/apps/<app_id>/events")
def put_events(app_id: str) -> Response:
    ingested = ingest(path_id(app_id), json_body(router), services.contacts)
    if ingested.events:
        emit(
            ingested.events, services.event_stream
        )  # a stream that refuses them fails the request: sent again, same ids
        record_activity(path_id(app_id), ingested.events, services.contacts)
        services.in_app_messaging.record(path_id(app_id), ingested.events)  # sessions and in-app displays
    metrics.add_metric(name="EventsIngested", unit="Count", value=len(ingested.events))
    return json_response(202, ingested.response)
