"""Pinpoint's recommender model configurations (engage.templates.recommenders), at botocore's URIs:
create, get, list, update and delete. Each answer is the RecommenderConfigurationResponse; the list
is Pinpoint's paged `Item` shape."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.runtime import services
from routing import json_body, json_response, listing, path_id

router = APIGatewayRouter()
RECOMMENDERS = "/v1/recommenders"


@router.post(RECOMMENDERS)
def create_recommender_configuration() -> Response:
    return json_response(201, services.recommenders.create(json_body(router)))


@router.get(RECOMMENDERS)
def get_recommender_configurations() -> Response:
    return json_response(200, listing(router, services.recommenders.list()))


@router.get(f"{RECOMMENDERS}/<recommender_id>")
def get_recommender_configuration(recommender_id: str) -> Response:
    return json_response(200, services.recommenders.get(path_id(recommender_id)))


@router.put(f"{RECOMMENDERS}/<recommender_id>")
def update_recommender_configuration(recommender_id: str) -> Response:
    return json_response(200, services.recommenders.update(path_id(recommender_id), json_body(router)))


@router.delete(f"{RECOMMENDERS}/<recommender_id>")
def delete_recommender_configuration(recommender_id: str) -> Response:
    return json_response(200, services.recommenders.delete(path_id(recommender_id)))
