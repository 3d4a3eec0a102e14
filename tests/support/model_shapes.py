"""Whether a response has what botocore's model says it must: every member its shapes mark
required, at every level (structures, lists, maps), and no member the shape lacks."""

from __future__ import annotations

from typing import Any

import botocore.session

_MODELS: dict[str, Any] = {}


def model(service: str) -> Any:
    if service not in _MODELS:
        _MODELS[service] = botocore.session.get_session().get_service_model(service)
    return _MODELS[service]


def problems(service: str, shape_name: str, value: Any) -> list[str]:
    """Each required member missing and each unknown member, by its path (empty: as the model has it)."""
    return _check(model(service).shape_for(shape_name), value, shape_name)


def _check(shape: Any, value: Any, path: str) -> list[str]:
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        found = [f"{path}.{name}: required, missing" for name in shape.required_members if name not in value]
        for name, member in value.items():
            if name not in shape.members:
                found.append(f"{path}.{name}: not in {shape.name}")
            else:
                found += _check(shape.members[name], member, f"{path}.{name}")
        return found
    if shape.type_name == "list" and isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _check(shape.member, item, f"{path}[{i}]")]
    if shape.type_name == "map" and isinstance(value, dict):
        return [p for k, item in value.items() for p in _check(shape.value, item, f"{path}[{k}]")]
    return []
