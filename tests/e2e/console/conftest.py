"""The console's browser tests share one headless Chromium per module and a fresh page (its own
context) per test; a page whose Content-Security-Policy blocked anything fails its test."""

from __future__ import annotations

import pytest

from tests.support.browser import chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(local_stack, browser):
    if local_stack.console is None or local_stack.console.url is None:
        pytest.fail("the console is not built: `make console` builds it into build/console/")
    # Without motion: axe reads a dialog's colours once it is shown, not while it fades in.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(20_000)
    refused: list[str] = []  # what the page's Content-Security-Policy blocked
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert not refused, refused
