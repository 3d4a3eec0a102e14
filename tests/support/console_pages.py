"""Steps the console's browser tests share: signing in through the page, opening a route, and
checking a page (axe-core, and its screenshot under build/console-screenshots/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.browser import axe_violations

SHOTS = Path(__file__).resolve().parents[2] / "build" / "console-screenshots"


def sign_in(page: Any, stack: Any, group: str) -> None:
    user = stack.console.users[group]
    page.goto(stack.console.url)
    page.get_by_label("Email").fill(user["username"])
    page.get_by_label("Password").fill(user["password"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Applications", level=1).wait_for()


def looked_at(page: Any, name: str) -> None:
    """The page passes axe-core's checks, and its screenshot is kept."""
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    assert violations == [], f"{name}: {violations}"


def go(page: Any, stack: Any, route: str, heading: str) -> None:
    page.goto(f"{stack.console.url}#/{route}")
    page.get_by_role("heading", name=heading, level=1).wait_for()
