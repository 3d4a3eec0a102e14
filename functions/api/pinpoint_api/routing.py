"""What every route of the Pinpoint-compatible API shares: path ids as the caller wrote them,
Pinpoint's JSON bodies, its 202 "Accepted" answer and its paged list shape."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from engage.api.pages import page
from engage.errors import ValidationError

STATUS = {
    "BadRequestException": 400,
    "ForbiddenException": 403,
    "NotFoundException": 404,
    "ConflictException": 409,
    "TooManyRequestsException": 429,
    "InternalServerErrorException": 500,
}


def pinpoint_error(router: APIGatewayRouter, kind: str, message: str) -> Response:
    """Pinpoint's error answer: its status, `x-amzn-ErrorType` (what botocore raises) and body."""
    return Response(
        status_code=STATUS.get(kind, 500),
        content_type=content_types.APPLICATION_JSON,
        body={"Message": message, "RequestID": router.current_event.request_context.request_id},
        headers={"x-amzn-ErrorType": kind},
    )


def caller(router: APIGatewayRouter) -> str:
    """Who signed the request (LastModifiedBy, LastUpdatedBy): the IAM identity's ARN, or its account."""
    identity = router.current_event.request_context.identity
    return identity.user_arn or identity.account_id or "unknown"


def path_id(value: str) -> str:
    """A path parameter as the caller wrote it: botocore percent-encodes ids (`user@example.com`
    arrives as `user%40example.com`) and API Gateway passes the path on encoded."""
    return unquote(value)


def json_response(status: int, body: Any) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def accepted(router: APIGatewayRouter) -> Response:
    return json_response(
        202, {"Message": "Accepted", "RequestID": router.current_event.request_context.request_id}
    )


def json_body(router: APIGatewayRouter) -> dict[str, Any]:
    body = router.current_event.json_body
    if not isinstance(body, dict):
        raise ValidationError("body", "must be a JSON object")
    return body


def listing(router: APIGatewayRouter, items: list[dict[str, Any]], cursor: str = "token") -> dict[str, Any]:
    """Pinpoint's list shape, a page at a time: `page-size` items (default DEFAULT_PAGE) from the
    position the `cursor` query parameter names (`next-token` for templates), with NextToken while
    more remain."""
    return page(
        items,
        router.current_event.get_query_string_value("page-size"),
        router.current_event.get_query_string_value(cursor),
    )


def versions_listing(
    router: APIGatewayRouter, app_id: str, kind: str, versions: list[dict[str, Any]]
) -> Response:
    """GetSegmentVersions and GetCampaignVersions: the versions, a page at a time, each with its ARN."""
    return json_response(200, listing(router, with_arns(app_id, kind, versions)))


def query_time(value: str | None, name: str) -> datetime | None:
    """A timestamp query parameter as botocore writes it (ISO 8601, `Z` or an offset); None when
    absent. A naive one is read as UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(unquote(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            name, "must be an ISO 8601 date and time, for example 2019-07-26T20:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def date_range(router: APIGatewayRouter) -> tuple[datetime | None, datetime | None]:
    """The metrics operations' `start-time` and `end-time` (None: not given)."""
    query = router.current_event.query_string_parameters or {}
    return query_time(query.get("start-time"), "start-time"), query_time(query.get("end-time"), "end-time")


def with_arn(app_id: str, kind: str, document: dict[str, Any]) -> dict[str, Any]:
    """A campaign's or segment's response with its ARN under its application's (region and
    account included): `<application ARN>/<kind>/<id>`."""
    return with_arns(app_id, kind, [document])[0]


def with_arns(app_id: str, kind: str, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document with its ARN; the application is read once, however many there are."""
    from engage.runtime import services

    application = services.applications.get(app_id)["Arn"]
    return [{**d, "Arn": f"{application}/{kind}/{d['Id']}"} for d in documents]
