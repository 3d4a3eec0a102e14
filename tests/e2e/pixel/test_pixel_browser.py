"""The GTM pixel in a real browser: Debian's headless Chromium (driven by Playwright; nothing
downloads a browser) opens the demo shop's order-confirmation page (apps/pixel/demo/index.html),
whose dataLayer push of `purchase_success` fires the Custom Image tag at the local stack's pixel.
The image's response is a GIF, the page sees it load, and the event reaches the stream with its
attributes; a signed visitor's plan reaches the endpoint."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from engage_local.api import wait_until
from tests.e2e.conftest import SHOP_ORIGIN
from tests.e2e.pixel.test_pixel import Pixel
from tests.support.browser import chromium
from tests.support.http import serving

pytestmark = pytest.mark.e2e
DEMO = Path(__file__).resolve().parents[3] / "apps" / "pixel" / "demo"
# The shop's host is the demo page's own: the browser finds it on the loopback address.
SHOP_HOST_RULE = f"--host-resolver-rules=MAP {urlsplit(SHOP_ORIGIN).hostname} 127.0.0.1"


class _ShopPages(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def shop():
    """The demo shop's pages, on the port SHOP_ORIGIN names (the pixel's one allowed site)."""
    with serving(functools.partial(_ShopPages, directory=DEMO), urlsplit(SHOP_ORIGIN).port):
        yield SHOP_ORIGIN


@pytest.fixture(scope="module")
def browser():
    with chromium(SHOP_HOST_RULE) as launched:
        yield launched


def test_the_demo_pages_custom_image_tag_records_the_purchase(local_stack, shop, browser):
    pixel = Pixel(local_stack)
    shopper = pixel.shopper()
    query = {"pixel": pixel.url, "endpoint": shopper, "plan": "gold", "token": pixel.token(shopper)}
    page = browser.new_page()
    try:
        with page.expect_response(lambda r: urlsplit(r.url).path == "/events") as fired:
            page.goto(f"{shop}/index.html?{urlencode(query)}")
        response = fired.value
        assert response.status == 200 and response.headers["content-type"] == "image/gif"
        assert response.body().startswith(b"GIF89a")
        page.wait_for_function("document.getElementById('pixel-status').textContent === 'loaded 1x1'")
    finally:
        page.close()
    assert wait_until(lambda: pixel.events(shopper), 30, 0.3)
    (event,) = pixel.events(shopper)
    assert event["event_type"] == "purchase_success"
    assert {k: event["attributes"][k] for k in ("order_id", "value", "currency")} == {
        "order_id": "o-2001",
        "value": "59.90",
        "currency": "EUR",
    }
    assert wait_until(lambda: pixel.user_attributes(shopper) == {"plan": ["gold"]}, 30, 0.3)
