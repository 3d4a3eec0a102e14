"""The send governor (engage.messages.governor) on the in-memory bucket store."""

import pytest

from tests.support.fakes import MemoryBuckets
from tests.support.governor_cases import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_the_governor(case):
    case(MemoryBuckets())
