"""GET /events, the GTM Custom Image tag's endpoint: the hit is read and queued for the event
ingestion (engage.pixel.hits), and answered at once with a 1x1 transparent GIF that no cache keeps.
Bad input gets the same GIF, is counted by reason and logged without the visitor's data; only a
queue that refuses the hit answers 503 (still with the GIF: the tag never breaks a page).

The pixel sits on page loads, so its cold start counts: the proxy event is read and answered here
rather than through Powertools' event handler, whose package import alone (it loads the AppSync
resolver and asyncio) costs about 56 ms, most of the 60 ms the handler may add to a bare boto3; the
secret's keys are read (through Powertools Parameters) only for requests with user attributes."""

from typing import Any

from engage.obs import logger, metrics
from engage.pixel.model import GIF_BASE64, GIF_HEADERS
from engage.pixel.wiring import pixel


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A REST API proxy event in, the GIF out (base64, which API Gateway turns into bytes because
    the API's binary media types include */*)."""
    headers = dict(event.get("headers") or {})
    answer = pixel().record(
        event.get("multiValueQueryStringParameters") or {},
        headers,
        (event.get("requestContext") or {}).get("requestId") or context.aws_request_id,
    )
    response_headers = dict(GIF_HEADERS)
    if answer.origin:
        response_headers.update({"Access-Control-Allow-Origin": answer.origin, "Vary": "Origin"})
    return {
        "statusCode": answer.status,
        "headers": response_headers,
        "body": GIF_BASE64,
        "isBase64Encoded": True,
    }
