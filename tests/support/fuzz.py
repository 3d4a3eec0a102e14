"""Bad-input testing in a few lines: strategies for the outside inputs our parsers meet, and one
assertion that a parser either accepts a value or rejects it with its own clear error, never with
an accident (KeyError, TypeError, ...). The hypothesis profile (tests/conftest.py) keeps CI bounded
and derandomised."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import strategies as st

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=16,
)
text = st.text(max_size=80)
messy_text = st.one_of(
    text, st.sampled_from(["", " ", "\x00", "+", "@", "(+", "☃", "a" * 300, "\r\n", "1e308"])
)


def objects(
    keys: Iterable[str], values: st.SearchStrategy = json_values
) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts whose keys are mostly the expected ones, some unexpected, with any JSON values."""
    return st.dictionaries(st.sampled_from([*keys, "Unexpected"]), values, max_size=8)


def accepts_or_rejects(
    parse: Callable[..., Any], *args: Any, rejects: tuple[type[BaseException], ...]
) -> Any:
    """Runs the parser; a rejection must be one of `rejects` and carry a message."""
    try:
        return parse(*args)
    except rejects as exc:
        rejection = exc
    assert str(rejection), f"{type(rejection).__name__} without a message"
    return rejection
