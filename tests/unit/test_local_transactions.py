"""The local stack's TransactWriteItems (engage_local.transactions): all or nothing as on AWS, with
moto's refusals and cancellation reasons, undone item by item instead of from copies of the tables."""

import copy

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb import models as dynamodb_models

from engage_local import transactions


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr(
        dynamodb_models.DynamoDBBackend,
        "transact_write_items",
        transactions.transact_write_items,
    )
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield dynamodb


def put(pk, **values):
    item = {"pk": {"S": pk}, **{k: {"N": str(v)} for k, v in values.items()}}
    return {"Put": {"TableName": "t", "Item": item}}


def bump(pk, expected):
    return {
        "Update": {
            "TableName": "t",
            "Key": {"pk": {"S": pk}},
            "UpdateExpression": "SET v = v + :one",
            "ConditionExpression": "v = :expected",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":expected": {"N": str(expected)}},
        }
    }


def items(client):
    return {i["pk"]["S"]: int(i["v"]["N"]) for i in client.scan(TableName="t")["Items"]}


def test_a_transaction_applies_all_its_actions(client):
    client.transact_write_items(TransactItems=[put("a", v=1), put("b", v=2)])
    client.transact_write_items(
        TransactItems=[bump("a", 1), bump("b", 2), {"Delete": {"TableName": "t", "Key": {"pk": {"S": "c"}}}}]
    )
    assert items(client) == {"a": 2, "b": 3}


def test_a_failed_condition_undoes_the_actions_before_it_and_names_its_position(client):
    client.transact_write_items(TransactItems=[put("a", v=1), put("b", v=1)])
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(
            TransactItems=[
                bump("a", 1),
                put("new", v=9),
                bump("b", 5),
            ]
        )
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in caught.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    assert items(client) == {"a": 1, "b": 1}  # "a" back to what it was, "new" gone


def test_two_actions_on_one_item_and_more_than_100_actions_are_refused_as_aws_refuses_them(client):
    client.transact_write_items(TransactItems=[put("a", v=1)])
    with pytest.raises(ClientError, match="multiple operations on one item"):
        client.transact_write_items(TransactItems=[put("x", v=1), put("x", v=2)])
    assert items(client) == {"a": 1}
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=[put(f"k{i}", v=i) for i in range(101)])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert items(client) == {"a": 1}


def test_a_transaction_copies_the_items_it_touches_never_a_table(client, monkeypatch):
    for start in range(0, 300, 25):
        requests = [
            {"PutRequest": {"Item": put(f"k{i}", v=i)["Put"]["Item"]}} for i in range(start, start + 25)
        ]
        client.batch_write_item(RequestItems={"t": requests})
    copied = []
    deepcopy = copy.deepcopy
    monkeypatch.setattr(
        copy, "deepcopy", lambda value, *a: copied.append(type(value).__name__) or deepcopy(value, *a)
    )
    client.transact_write_items(TransactItems=[bump("k1", 1), bump("k2", 2), put("new", v=1)])
    # moto's own copies the whole table once per action: 3 copies of 300 items here
    assert "Table" not in copied
    assert items(client)["k1"] == 2 and len(items(client)) == 301
