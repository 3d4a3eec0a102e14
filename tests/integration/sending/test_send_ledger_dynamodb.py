"""Sending exactly once on the DynamoDB ledger (the messaging application's SendsTable, on moto):
the same cases as the in-memory ledger."""

import pytest
from engage.adapters.dynamodb.ledger import DynamoLedger

from devtools.template import create_table
from tests.support.ledger_cases import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_the_ledger(dynamodb, case):
    case(DynamoLedger(create_table(dynamodb, "SendsTable", app="sending"), dynamodb))
