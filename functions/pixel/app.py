"""GET /events, the GTM Custom Image tag's endpoint: the hit is read (engage.pixel), queued for the
event ingestion, and answered at once with a 1x1 transparent GIF that no cache keeps. Bad input
gets the same GIF, is counted by reason and logged without the visitor's data; only a queue that
refuses the hit answers 503 (still with the GIF: the tag never breaks a page).

The pixel sits on page loads, so its cold start counts: the proxy event is read and answered here
rather than through Powertools' event handler, whose package import alone (it loads the AppSync
resolver and asyncio) costs about 56 ms, most of the 60 ms the handler may add to a bare boto3; the
secret's keys are read (through Powertools Parameters) only for requests with user attributes."""

import functools
import os
from typing import Any

from engage import clock
from engage.adapters.clients import clients
from engage.obs import logger, metrics
from engage.pixel import GIF_BASE64, GIF_HEADERS, PixelRefused, PixelRules, allowed_origin, read_hit


def _names(variable: str) -> frozenset[str]:
    return frozenset(n.strip() for n in os.environ.get(variable, "").split(",") if n.strip())


@functools.cache
def rules() -> PixelRules:
    return PixelRules(
        app_id=os.environ["PIXEL_APPLICATION_ID"],
        user_attributes=_names("PIXEL_USER_ATTRIBUTES"),
        allowed_origins=frozenset(o.lower().rstrip("/") for o in _names("PIXEL_ALLOWED_ORIGINS")),
        max_parameters=int(os.environ.get("PIXEL_MAX_PARAMETERS", "40")),
    )


def secrets() -> list[bytes]:
    from engage.adapters.secrets import signing_keys  # only requests with user attributes need it

    return signing_keys(clients.client("secretsmanager"), os.environ["PIXEL_SECRET_ARN"])


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A REST API proxy event in, the GIF out (base64, which API Gateway turns into bytes because
    the API's binary media types include */*)."""
    headers = dict(event.get("headers") or {})
    status = 200
    try:
        hit = read_hit(
            event.get("multiValueQueryStringParameters") or {},
            headers,
            (event.get("requestContext") or {}).get("requestId") or context.aws_request_id,
            clock.time(),
            rules(),
            secrets,
        )
        clients.client("sqs").send_message(QueueUrl=os.environ["PIXEL_QUEUE_URL"], MessageBody=hit.to_body())
        metrics.add_metric(name="PixelHits", unit="Count", value=1)
        for reason in hit.dropped:
            metrics.add_metric(name=f"PixelDropped_{reason}", unit="Count", value=1)
            logger.info("pixel user attributes dropped", extra={"reason": reason})
    except PixelRefused as exc:
        metrics.add_metric(name=f"PixelRefused_{exc.code}", unit="Count", value=1)
        logger.info("pixel hit refused", extra={"reason": exc.code})
    except Exception:  # noqa: BLE001 - answered 503 and counted: the page must still load
        logger.exception("pixel hit could not be queued")
        metrics.add_metric(name="PixelQueueFailures", unit="Count", value=1)
        status = 503
    answer = dict(GIF_HEADERS)
    origin = allowed_origin(headers, rules().allowed_origins)
    if origin:
        answer.update({"Access-Control-Allow-Origin": origin, "Vary": "Origin"})
    return {"statusCode": status, "headers": answer, "body": GIF_BASE64, "isBase64Encoded": True}
