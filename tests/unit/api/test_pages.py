"""Pinpoint's paginated lists (engage.api.pages)."""

import pytest
from engage.api.pages import page
from engage.errors import ValidationError

ITEMS = [{"Id": str(i)} for i in range(5)]


def test_pages_follow_next_tokens_to_the_end():
    first = page(ITEMS, "2", None)
    second = page(ITEMS, "2", first["NextToken"])
    last = page(ITEMS, "2", second["NextToken"])
    assert [i["Id"] for p in (first, second, last) for i in p["Item"]] == ["0", "1", "2", "3", "4"]
    assert "NextToken" not in last
    assert page(ITEMS, None, None) == {"Item": ITEMS}


@pytest.mark.parametrize(("size", "token"), [("0", None), ("x", None), ("101", None), ("2", "abc")])
def test_bad_page_sizes_and_tokens_are_refused(size, token):
    with pytest.raises(ValidationError):
        page(ITEMS, size, token)
