"""Debian's headless Chromium driven by Playwright (nothing downloads a browser), and axe-core's
accessibility check of a page: the browser tests' shared means (the pixel's, the console's)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium as root in a sandbox without a network: no sandbox, no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = (
    Path(__file__).resolve().parents[2]
    / "apps"
    / "console"
    / "console"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)


@contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "chromium is not installed: `make test` installs Debian's chromium (devtools/chromium.sh)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args], headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands (WCAG 2.1 A and AA rules and best practices),
    each with its rule, impact and the elements it found."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: `make console` installs the console's packages")
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy (no inline
    # scripts) does not govern: the page is checked under its real headers.
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return list(found)
