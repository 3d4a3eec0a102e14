"""TagResource, UntagResource and ListTagsForResource: tags on applications, campaigns, segments,
journeys and templates, by the resource's ARN (botocore percent-encodes it into the path)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.api import wiring
from routing import json_body, json_response, path_id

router = APIGatewayRouter()
TAGS = "/v1/tags/<resource_arn>"


@router.get(TAGS)
def list_tags_for_resource(resource_arn: str) -> Response:
    return json_response(200, {"tags": wiring.tagging().list(path_id(resource_arn))})


@router.post(TAGS)
def tag_resource(resource_arn: str) -> Response:
    wiring.tagging().tag(path_id(resource_arn), json_body(router).get("tags"))
    return Response(status_code=204)


@router.delete(TAGS)
def untag_resource(resource_arn: str) -> Response:
    keys = router.current_event.multi_value_query_string_parameters or {}
    wiring.tagging().untag(path_id(resource_arn), keys.get("tagKeys") or [])
    return Response(status_code=204)
