"""What the lake's views custom resource runs on Athena for a CloudFormation request: Create and
Update (re)create every view in order (each after the views it reads) and Update first drops the
views the new template no longer has; Delete drops them all, newest first. View names are checked
before anything runs: they are interpolated into DDL. `ViewsResource` runs them and always answers
CloudFormation, with Athena's reason when a view fails."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engage.custom_resources import Respond
from engage.errors import ValidationError
from engage.obs import logger

VIEW_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,127}$")
SAFETY_SECONDS = 20.0  # answer CloudFormation before the function's own timeout


def statements(
    request_type: str, views: Sequence[Mapping[str, Any]], old_views: Sequence[Mapping[str, Any]] = ()
) -> list[str]:
    new = _checked(views, "Views")
    old = _checked(old_views, "OldResourceProperties.Views")
    if request_type == "Delete":
        return [_drop(name) for name in reversed(list(new))]
    if request_type not in ("Create", "Update"):
        raise ValidationError("RequestType", f"unknown request type {request_type!r}")
    gone = [name for name in reversed(list(old)) if name not in new]
    creates = [f'CREATE OR REPLACE VIEW "{name}" AS\n{sql}' for name, sql in new.items()]
    return [*(_drop(name) for name in gone), *creates]


def _checked(views: Sequence[Mapping[str, Any]], field: str) -> dict[str, str]:
    checked: dict[str, str] = {}
    for index, view in enumerate(views):
        name, sql = view.get("Name"), view.get("Sql")
        if not isinstance(name, str) or not VIEW_NAME.match(name):
            raise ValidationError(f"{field}[{index}].Name", f"{name!r} is not a lower-case view name")
        if not isinstance(sql, str) or not sql.strip():
            raise ValidationError(f"{field}[{index}].Sql", f"view {name} has no SELECT")
        if name in checked:
            raise ValidationError(f"{field}[{index}].Name", f"view {name} is defined twice")
        checked[name] = sql.strip().rstrip(";")
    return checked


def _drop(name: str) -> str:
    return f'DROP VIEW IF EXISTS "{name}"'


class Queries(Protocol):
    def run(self, sql: str) -> str:
        """Runs one statement to completion, or raises with Athena's reason."""
        ...


@dataclass(frozen=True)
class ViewsResource:
    """The custom resource: `queries(workgroup, database, max_wait_seconds)` runs statements in the
    lake's workgroup and database; every path ends with `respond`, failures included."""

    queries: Callable[[str, str, float], Queries]
    respond: Respond

    def apply(self, event: Mapping[str, Any], remaining_ms: Callable[[], int]) -> None:
        properties = event["ResourceProperties"]
        physical_id = event.get("PhysicalResourceId") or f"{properties['Database']}/views"
        try:
            planned = statements(
                event["RequestType"],
                properties.get("Views", []),
                event.get("OldResourceProperties", {}).get("Views", []),
            )
            budget = remaining_ms() / 1000 - SAFETY_SECONDS
            queries = self.queries(
                properties["WorkGroup"], properties["Database"], max(5.0, budget / max(1, len(planned)))
            )
            for statement in planned:
                queries.run(statement)
            logger.info("views applied", extra={"request": event["RequestType"], "statements": len(planned)})
        except Exception as exc:  # noqa: BLE001 - CloudFormation must hear about every failure
            logger.exception("views not applied", extra={"request": event["RequestType"]})
            self.respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
            return
        self.respond(event, "SUCCESS", physical_id, {"Views": len(properties.get("Views", []))})
