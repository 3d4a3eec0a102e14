"""Pinpoint's application and campaign metrics: GetApplicationDateRangeKpi and
GetCampaignDateRangeKpi, read from the event lake (engage.api.kpis). Metrics come in one page:
Pinpoint's `next-token` and `page-size` do not apply to them and are ignored."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.api.wiring import date_range_kpis
from routing import date_range, json_response, path_id

router = APIGatewayRouter()
APPS = "/v1/apps/<app_id>"


@router.get(f"{APPS}/kpis/daterange/<kpi_name>")
def get_application_date_range_kpi(app_id: str, kpi_name: str) -> Response:
    found = date_range_kpis().application(path_id(app_id), path_id(kpi_name), *date_range(router))
    return json_response(200, found)


@router.get(f"{APPS}/campaigns/<campaign_id>/kpis/daterange/<kpi_name>")
def get_campaign_date_range_kpi(app_id: str, campaign_id: str, kpi_name: str) -> Response:
    found = date_range_kpis().campaign(
        path_id(app_id), path_id(campaign_id), path_id(kpi_name), *date_range(router)
    )
    return json_response(200, found)
