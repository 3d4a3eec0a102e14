"""Pinpoint's paginated list responses (`Item`, `NextToken`) over a list already in order."""

from __future__ import annotations

from typing import Any

from engage.errors import ValidationError

DEFAULT_PAGE = 100
MAX_PAGE = 100  # 100 jobs of 100 failure messages stay far below Lambda's 6 MB response


def page(items: list[dict[str, Any]], size: str | None, token: str | None) -> dict[str, Any]:
    """One page of `items`: `size` of them (default DEFAULT_PAGE) from the offset `token` holds."""
    if size is not None and (not size.isdigit() or not 1 <= int(size) <= MAX_PAGE):
        raise ValidationError("page-size", f"must be a number from 1 to {MAX_PAGE}")
    if token is not None and not token.isdigit():
        raise ValidationError("token", "is not a token this API returned")
    start, count = int(token or 0), int(size or DEFAULT_PAGE)
    result: dict[str, Any] = {"Item": items[start : start + count]}
    if start + count < len(items):
        result["NextToken"] = str(start + count)
    return result
