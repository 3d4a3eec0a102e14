"""Name-based event ids are exactly uuid.uuid5's, spelt as str() spells them."""

from __future__ import annotations

import uuid

from engage.ids import uuid5_text
from hypothesis import given
from hypothesis import strategies as st


@given(st.uuids(), st.text())
def test_the_id_is_uuid5s_text_for_any_namespace_and_name(namespace, name):
    assert uuid5_text(namespace, name) == str(uuid.uuid5(namespace, name))
