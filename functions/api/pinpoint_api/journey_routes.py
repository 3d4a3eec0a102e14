"""Pinpoint's journey operations: CreateJourney, GetJourney, UpdateJourney, DeleteJourney,
ListJourneys and UpdateJourneyState, with botocore's request and response shapes
(engage.journeys.model); and its journey analytics: GetJourneyExecutionMetrics,
GetJourneyExecutionActivityMetrics, GetJourneyRuns, GetJourneyRunExecutionMetrics and
GetJourneyRunExecutionActivityMetrics (engage.journeys.metrics) and GetJourneyDateRangeKpi
(engage.journeys.kpis)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.runtime import services
from routing import date_range, json_body, json_response, listing, path_id

router = APIGatewayRouter()
JOURNEYS = "/v1/apps/<app_id>/journeys"


@router.post(JOURNEYS)
def create_journey(app_id: str) -> Response:
    return json_response(201, services.journeys.create(path_id(app_id), json_body(router)))


@router.get(JOURNEYS)
def list_journeys(app_id: str) -> Response:
    return json_response(200, listing(router, services.journeys.list(path_id(app_id))))


@router.get(f"{JOURNEYS}/<journey_id>")
def get_journey(app_id: str, journey_id: str) -> Response:
    return json_response(200, services.journeys.get(path_id(app_id), path_id(journey_id)))


@router.put(f"{JOURNEYS}/<journey_id>")
def update_journey(app_id: str, journey_id: str) -> Response:
    journey = services.journeys.update(path_id(app_id), path_id(journey_id), json_body(router))
    return json_response(200, journey)


@router.delete(f"{JOURNEYS}/<journey_id>")
def delete_journey(app_id: str, journey_id: str) -> Response:
    return json_response(200, services.journeys.delete(path_id(app_id), path_id(journey_id)))


@router.put(f"{JOURNEYS}/<journey_id>/state")
def update_journey_state(app_id: str, journey_id: str) -> Response:
    journey = services.journeys.update_state(path_id(app_id), path_id(journey_id), json_body(router))
    return json_response(200, journey)


@router.get(f"{JOURNEYS}/<journey_id>/execution-metrics")
def get_journey_execution_metrics(app_id: str, journey_id: str) -> Response:
    return json_response(200, services.journey_metrics.execution(path_id(app_id), path_id(journey_id)))


@router.get(f"{JOURNEYS}/<journey_id>/activities/<activity_id>/execution-metrics")
def get_journey_execution_activity_metrics(app_id: str, journey_id: str, activity_id: str) -> Response:
    found = services.journey_metrics.activity(path_id(app_id), path_id(journey_id), path_id(activity_id))
    return json_response(200, found)


@router.get(f"{JOURNEYS}/<journey_id>/runs")
def get_journey_runs(app_id: str, journey_id: str) -> Response:
    runs = services.journey_metrics.runs(path_id(app_id), path_id(journey_id))["Item"]
    return json_response(200, listing(router, runs))  # `token`, as GetJourneyRuns names its cursor


@router.get(f"{JOURNEYS}/<journey_id>/runs/<run_id>/execution-metrics")
def get_journey_run_execution_metrics(app_id: str, journey_id: str, run_id: str) -> Response:
    found = services.journey_metrics.execution(path_id(app_id), path_id(journey_id), path_id(run_id))
    return json_response(200, found)


@router.get(f"{JOURNEYS}/<journey_id>/runs/<run_id>/activities/<activity_id>/execution-metrics")
def get_journey_run_execution_activity_metrics(
    app_id: str, journey_id: str, run_id: str, activity_id: str
) -> Response:
    found = services.journey_metrics.activity(
        path_id(app_id), path_id(journey_id), path_id(activity_id), path_id(run_id)
    )
    return json_response(200, found)


@router.get(f"{JOURNEYS}/<journey_id>/kpis/daterange/<kpi_name>")
def get_journey_date_range_kpi(app_id: str, journey_id: str, kpi_name: str) -> Response:
    found = services.journey_kpis.date_range(
        path_id(app_id), path_id(journey_id), path_id(kpi_name), *date_range(router)
    )
    return json_response(200, found)
