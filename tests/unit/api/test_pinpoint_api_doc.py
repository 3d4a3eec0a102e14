"""docs/pinpoint-api.md stays true: every operation of botocore's pinpoint model is listed once, and
an operation is marked served exactly when the API's function has a route for its method and path."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "pinpoint-api.md"
ROUTES = ROOT / "functions" / "api" / "pinpoint_api"
ROUTE = re.compile(r"@router\.(get|post|put|delete)\((.+?)\)\n")
CONSTANT = re.compile(r'^([A-Z_]+) = "([^"]+)"', re.MULTILINE)


def routes() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for module in sorted(ROUTES.glob("*_routes.py")):
        text = module.read_text()
        constants = dict(CONSTANT.findall(text))
        for method, expression in ROUTE.findall(text):
            path = expression.strip().removeprefix("f").strip('"')
            for name, value in constants.items():
                path = path.replace(f"{{{name}}}", value)
            path = constants.get(path, path)
            found.append((method.upper(), re.compile("^" + re.sub(r"<[^>]+>", "[^/]+", path) + "$")))
    return found


def listed() -> dict[str, str]:
    rows = [line.split("|") for line in DOC.read_text().splitlines() if line.startswith("| ") and "`" in line]
    names = [row[2].strip().strip("`") for row in rows]
    assert len(names) == len(set(names)), "an operation is listed twice"
    return {row[2].strip().strip("`"): row[4].strip() for row in rows}


def test_every_operation_of_the_model_is_listed_and_served_exactly_when_routed():
    model = botocore.session.get_session().get_service_model("pinpoint")
    statuses = listed()
    assert set(statuses) == set(model.operation_names)
    served = routes()
    for name in model.operation_names:
        http = model.operation_model(name).http
        path = re.sub(r"\{[^}]+\}", "x", http["requestUri"].split("?")[0])
        routed = any(method == http["method"] and pattern.match(path) for method, pattern in served)
        marked = statuses[name]
        if marked == "served":
            assert routed, f"{name} is marked served and has no route"
        elif "refused" not in marked:
            assert not routed, f"{name} has a route: mark it served"
