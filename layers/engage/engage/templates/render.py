"""Rendering a template part for one endpoint with Handlebars (pybars3, the Python implementation of
Handlebars.js), over Pinpoint's message variables:

- the endpoint as Pinpoint exposed it: `{{Address}}`, `{{Id}}`, `{{ChannelType}}`,
  `{{Attributes.X}}`, `{{User.UserId}}`, `{{User.UserAttributes.X}}`, `{{Metrics.X}}`,
  `{{Location.City}}`, `{{Demographic.Timezone}}`, ...; attribute values are lists, which render as
  Handlebars.js renders an array (values joined by commas) and which `{{#each}}` iterates;
- the template's default substitutions (Pinpoint's `DefaultSubstitutions`: a JSON object of
  variable paths to default values), used where the endpoint has no value;
- the message's substitutions (Pinpoint's `Substitutions`: names to lists of values), which win.

HTML parts are escaped as Handlebars does (`{{x}}` escapes, `{{{x}}}` does not); text parts (a
subject, a text body, SMS, voice and push) are not, so "O'Brien" stays "O'Brien" in a text message.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from engage.errors import ValidationError

# `{{expression}}` but not blocks, closings, comments, partials, inverses, `else` or `{{{raw}}}`.
_ESCAPED_EXPRESSION = re.compile(r"(?<!\{)\{\{(?!\{)(?![#/!>^&~]|\s*else\b)(.*?)\}\}")


@lru_cache(maxsize=1)
def _pybars() -> Any:
    """pybars builds its grammar when imported (about half a second): paid on the first render, not
    by every function that imports the send path."""
    import pybars

    return pybars


class Values(list):
    """An attribute's values: rendered as Handlebars.js renders an array, and read by position as
    Handlebars.js reads one (`{{RecommendationItems.[0]}}`, `{{Attributes.Interests.[1]}}`; past the
    end, nothing)."""

    def __str__(self) -> str:
        return ",".join(str(v) for v in self)

    def __getitem__(self, index: Any) -> Any:  # type: ignore[override]
        if isinstance(index, str):  # pybars looks a path segment up by its text
            if index == "length":
                return len(self)
            if not index.isdigit() or int(index) >= len(self):
                raise KeyError(index)
            index = int(index)
        return super().__getitem__(index)


def render(
    text: str,
    endpoint: Mapping[str, Any],
    substitutions: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | str | None = None,
    html: bool = False,
) -> str:
    """One part of a message for one endpoint."""
    try:
        return str(_compiled(text, html)(context(endpoint, substitutions, defaults)))
    except _pybars().PybarsError as exc:  # an unknown helper, a helper given the wrong arguments
        raise ValidationError("template", f"can't be rendered: {exc}") from exc


def context(
    endpoint: Mapping[str, Any],
    substitutions: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | str | None = None,
) -> dict[str, Any]:
    """The variables a template sees: defaults, then the endpoint, then the message's values."""
    variables: dict[str, Any] = {}
    for path, value in parse_defaults(defaults).items():
        _set(variables, path, _wrap(value))
    _merge(variables, _wrap(dict(endpoint)))
    for path, value in (substitutions or {}).items():
        _set(variables, path, _wrap(value))
    return variables


def parse_defaults(defaults: Mapping[str, Any] | str | None) -> dict[str, Any]:
    """Pinpoint stores DefaultSubstitutions as a JSON string; accepts the object too."""
    if defaults is None or defaults == "":
        return {}
    if isinstance(defaults, str):
        try:
            defaults = json.loads(defaults)
        except ValueError:
            raise ValidationError("DefaultSubstitutions", "must be a JSON object") from None
    if not isinstance(defaults, Mapping):
        raise ValidationError("DefaultSubstitutions", "must be a JSON object")
    return dict(defaults)


_BLOCK = re.compile(r"\{\{~?\s*([#/])\s*([\w.-]+)")


def check(text: str, field: str) -> None:
    """Refuses a part that would not render, naming it, when the template is saved (not when a
    campaign sends it): blocks must close in order (pybars itself is lenient about that), and
    every helper must exist."""
    if not isinstance(text, str):
        raise ValidationError(field, "must be a string")
    open_blocks: list[str] = []
    for kind, name in _BLOCK.findall(text):
        if kind == "#":
            open_blocks.append(name)
        elif not open_blocks or open_blocks.pop() != name:
            raise ValidationError(field, f"closes {{{{/{name}}}}} without its {{{{#{name}}}}}")
    if open_blocks:
        raise ValidationError(field, f"leaves {{{{#{open_blocks[-1]}}}}} open")
    try:
        _compiled(text, html=True)({})
    except _pybars().PybarsError as exc:
        raise ValidationError(field, f"is not a valid template: {exc}") from None


@lru_cache(maxsize=256)
def _compiled(text: str, html: bool) -> Any:
    source = text if html else _ESCAPED_EXPRESSION.sub(r"{{{\1}}}", text)
    with _COMPILING:  # pybars' compiler keeps state while it works: one compile at a time
        return _compiler().compile(source)


_COMPILING = threading.Lock()


@lru_cache(maxsize=1)
def _compiler() -> Any:
    return _pybars().Compiler()


def _wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _wrap(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return Values(_wrap(v) for v in value)
    return value


def _merge(into: dict[str, Any], values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _set(into: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for name in parents:
        into = into.setdefault(name, {}) if isinstance(into.get(name, {}), dict) else {}
    into[last] = value
