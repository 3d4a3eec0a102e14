"""Cancelled DynamoDB transactions (engage.adapters.dynamodb.transact_write), with botocore's
Stubber: races with other writers are tried again, failed conditions reach the caller, and a
counter that is retried counts once."""

import random

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from engage.adapters.campaigns_dynamodb import DynamoCapCounter
from engage.adapters.dynamodb import failed_conditions, transact_write
from engage.retry import Backoff

ITEMS = [
    {"Put": {"TableName": "t", "Item": {"pk": {"S": "m"}}, "ConditionExpression": "attribute_not_exists(pk)"}}
]


def cancelled(*codes):
    return {
        "service_error_code": "TransactionCanceledException",
        "service_message": "Transaction cancelled",
        "response_meta": {},
        "modeled_fields": {"CancellationReasons": [{"Code": c} for c in codes]},
    }


@pytest.fixture
def dynamodb():
    client = boto3.client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def backoff():
    slept = []
    return Backoff(sleep=slept.append, rng=random.Random(1), max_attempts=4), slept


def test_a_transaction_cancelled_by_a_concurrent_one_is_tried_again(dynamodb):
    client, stubber = dynamodb
    stubber.add_client_error("transact_write_items", **cancelled("TransactionConflict"))
    stubber.add_client_error("transact_write_items", **cancelled("None", "ThrottlingError"))
    stubber.add_response("transact_write_items", {}, {"TransactItems": ITEMS})
    retry, slept = backoff()
    transact_write(client, ITEMS, retry)
    assert len(slept) == 2


def test_a_failed_condition_is_raised_at_once_with_its_position(dynamodb):
    client, stubber = dynamodb
    stubber.add_client_error("transact_write_items", **cancelled("None", "ConditionalCheckFailed"))
    retry, slept = backoff()
    with pytest.raises(ClientError) as raised:
        transact_write(client, ITEMS, retry)
    assert failed_conditions(raised.value) == {1} and slept == []


def test_a_race_that_never_ends_is_raised_after_the_attempts(dynamodb):
    client, stubber = dynamodb
    for _ in range(4):
        stubber.add_client_error("transact_write_items", **cancelled("TransactionConflict"))
    retry, _ = backoff()
    with pytest.raises(ClientError):
        transact_write(client, ITEMS, retry)


@pytest.mark.parametrize(
    ("codes", "taken"),
    [(("ConditionalCheckFailed", "None"), True), (("None", "ConditionalCheckFailed"), False)],
)
def test_a_cap_says_counted_before_or_over_the_limit_from_which_condition_failed(dynamodb, codes, taken):
    client, stubber = dynamodb
    stubber.add_client_error("transact_write_items", **cancelled(*codes))
    caps = DynamoCapCounter("campaigns", client, clock=lambda: 1_800_000_000)
    assert caps.take("app", "c1", "ep-1", "2026-11-25", 1, None, "run-1") is taken
