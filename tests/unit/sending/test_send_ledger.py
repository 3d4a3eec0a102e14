"""Sending exactly once (engage.sending.ledger) on the in-memory ledger."""

import pytest

from tests.support.fakes import MemoryLedger
from tests.support.ledger_cases import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_the_ledger(case):
    case(MemoryLedger())
