"""One-click unsubscribe (RFC 8058). POST with the token opts the recipient out at once: mailbox
providers send it when the user clicks "unsubscribe", with the body `List-Unsubscribe=One-Click`.
GET only shows a page with a button that POSTs: link scanners and prefetchers GET every link in a
message, and must not unsubscribe anyone. A forged, altered or expired token gets the same 400
page, which never says why."""

import html
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.contacts.model import now_iso
from engage.errors import ValidationError
from engage.messages import unsubscribe
from engage.obs import logger, metrics
from engage.runtime import services

app = APIGatewayRestResolver()
PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=robots content=noindex>"
    "<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
)


def page(status: int, title: str, body: str) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.TEXT_HTML,
        body=PAGE.format(title=html.escape(title), body=body),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _claim() -> unsubscribe.Unsubscription | None:
    token = app.current_event.get_query_string_value("token") or ""
    try:
        return unsubscribe.verify(token, services.unsubscribe_keys(), int(clock.time()))
    except (ValidationError, ValueError):
        metrics.add_metric(name="UnsubscribeRefused", unit="Count", value=1)
        return None


INVALID = ("This unsubscribe link is not valid", "<p>Use the link from the most recent message.</p>")


@app.get("/unsubscribe")
def confirm() -> Response:
    if _claim() is None:
        return page(400, *INVALID)
    token = html.escape(app.current_event.get_query_string_value("token") or "", quote=True)
    form = (
        f'<form method=post action="?token={token}">'
        '<input type=hidden name="List-Unsubscribe" value="One-Click">'
        "<button type=submit>Unsubscribe</button></form>"
    )
    return page(200, "Unsubscribe from these messages?", form)


@app.post("/unsubscribe")
def one_click() -> Response:
    claim = _claim()
    if claim is None:
        return page(400, *INVALID)
    unsubscribe.apply(claim, services.contacts, services.consent, services.event_stream, now_iso())
    metrics.add_metric(name="Unsubscribed", unit="Count", value=1)
    logger.info("unsubscribed", extra={"application_id": claim.app_id, "endpoint_id": claim.endpoint_id})
    return page(200, "You are unsubscribed", "<p>You will not receive these messages any more.</p>")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
