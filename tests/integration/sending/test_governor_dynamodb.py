"""The send governor on DynamoDB token buckets (moto): the same cases as in memory."""

import pytest
from engage.adapters.dynamodb.buckets import DynamoBucketStore

from devtools.template import create_table
from tests.support.governor_cases import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_the_governor(dynamodb, case):
    case(DynamoBucketStore(create_table(dynamodb, "SendsTable", app="sending"), dynamodb))
