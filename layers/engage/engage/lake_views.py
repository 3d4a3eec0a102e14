"""What the lake's views custom resource runs on Athena for a CloudFormation request: Create and
Update (re)create every view in order (each after the views it reads) and Update first drops the
views the new template no longer has; Delete drops them all, newest first. View names are checked
before anything runs: they are interpolated into DDL."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from engage.errors import ValidationError

VIEW_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,127}$")


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
