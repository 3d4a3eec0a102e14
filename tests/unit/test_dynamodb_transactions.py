"""Cancelled DynamoDB transactions (engage.adapters.dynamodb.transact_write), with botocore's
Stubber: races with other writers are tried again, failed conditions reach the caller, and a
counter that is retried counts once."""

import random

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from engage.adapters.dynamodb import failed_conditions, transact_write
from engage.adapters.dynamodb.caps import DynamoCaps
from engage.retry import Backoff
from engage.sending.caps import caps_for

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


def test_a_cap_counted_meanwhile_by_another_sender_is_read_again_and_decided_on_the_new_count(dynamodb):
    client, stubber = dynamodb
    caps = caps_for("app", "ep-1", "c1", {"Daily": 1})
    empty = {"Responses": [{}, {}]}
    stubber.add_response("transact_get_items", empty)
    stubber.add_client_error("transact_write_items", **cancelled("None", "ConditionalCheckFailed"))
    taken_by_other = {
        "Responses": [
            {},
            {
                "Item": {
                    "pk": {"S": "app#CAP#CAMPAIGN#c1#ep-1"},
                    "sent": {"L": [{"N": "1799999000"}]},
                    "total": {"N": "1"},
                    "v": {"N": "1"},
                }
            },
        ]
    }
    stubber.add_response("transact_get_items", taken_by_other)
    assert DynamoCaps("sends", client).take(caps, "app#c1#run-1#ep-1", 1_800_000_000) is False


def test_a_send_counted_before_is_answered_true_without_counting_again(dynamodb):
    client, stubber = dynamodb
    caps = caps_for("app", "ep-1", "c1", {"Daily": 1})
    marker = {"Item": {"pk": {"S": "app#c1#run-1#ep-1#CAPPED"}}}
    full = {
        "Item": {
            "pk": {"S": "app#CAP#CAMPAIGN#c1#ep-1"},
            "sent": {"L": [{"N": "1799999000"}]},
            "total": {"N": "1"},
            "v": {"N": "1"},
        }
    }
    stubber.add_response("transact_get_items", {"Responses": [marker, full]})
    assert DynamoCaps("sends", client).take(caps, "app#c1#run-1#ep-1", 1_800_000_000) is True
