"""AWS's documented shapes, under events/aws/, and how a record is compared with one: the same keys
at every level and the same JSON type for each value; values are free to differ."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[2] / "events"


def sample(path: str) -> Any:
    """A sample by its path under events/ (e.g. "aws/ses/event_publishing_send.json")."""
    return json.loads((EVENTS / path).read_text())


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def differences(
    actual: Any,
    documented: Any,
    path: str = "",
    optional: Collection[str] = (),
    data_maps: Collection[str] = (),
) -> list[str]:
    """Where `actual` is not of the documented shape: a key AWS never sends, one it sends that is
    missing (a wrong casing is both), or another JSON type; lists compare by their first element.
    `optional` paths are documented but absent from AWS's example; the keys of `data_maps` paths
    (tags, a message's context) are data, so only their values' shape is compared."""
    where = path or "(top)"
    if json_type(actual) != json_type(documented):
        return [f"{where}: {json_type(actual)} where AWS sends {json_type(documented)}"]
    if isinstance(documented, dict) and path in data_maps:
        if not documented:
            return []
        model = next(iter(documented.values()))
        return [d for key, value in actual.items() for d in differences(value, model, f"{path}.{key}")]
    if isinstance(documented, dict):
        found = []
        for key in sorted(documented.keys() | actual.keys()):
            inner = f"{path}.{key}" if path else key
            if key not in actual and inner not in optional:
                found.append(f"{inner}: missing (AWS sends it)")
            elif key not in documented and inner not in optional:
                found.append(f"{inner}: AWS never sends it")
            elif key in actual and key in documented:
                found += differences(actual[key], documented[key], inner, optional, data_maps)
        return found
    if isinstance(documented, list) and documented and actual:
        return differences(actual[0], documented[0], f"{path}[]", optional, data_maps)
    return []


def assert_shaped_like(actual: Any, documented: Any, **options: Any) -> None:
    found = differences(json.loads(json.dumps(actual, default=str)), documented, **options)
    assert found == [], found
