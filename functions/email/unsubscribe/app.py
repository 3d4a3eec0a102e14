"""One-click unsubscribe (RFC 8058). POST with the token opts the recipient out at once: mailbox
providers send it when the user clicks "unsubscribe", with the body `List-Unsubscribe=One-Click`.
GET only shows a page with a button that POSTs: link scanners and prefetchers GET every link in a
message, and must not unsubscribe anyone. A forged, altered or expired token gets the same 400
page, which never says why (engage.email.one_click)."""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.email.one_click import Page
from engage.email.wiring import one_click_unsubscribe
from engage.obs import logger, metrics

app = APIGatewayRestResolver()


def page(answer: Page) -> Response:
    return Response(
        status_code=answer.status,
        content_type=content_types.TEXT_HTML,
        body=answer.html,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _token() -> str:
    return app.current_event.get_query_string_value("token") or ""


@app.get("/unsubscribe")
def confirm() -> Response:
    return page(one_click_unsubscribe().confirm(_token()))


@app.post("/unsubscribe")
def one_click() -> Response:
    return page(one_click_unsubscribe().unsubscribe(_token()))


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
