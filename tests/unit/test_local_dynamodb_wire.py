"""The local stack's direct JSON answers to DynamoDB's item operations are the bodies moto's own
serializer gives, byte for byte once decoded, for items of every attribute type, projections, pages,
batches, transactions, consumed capacity and returned values; errors still come from moto."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from engage_local import dynamodb_wire

TABLE = "wire"
ITEMS = [
    {
        "pk": f"app#{i}",
        "sk": f"endpoint#{i:03d}",
        "n": Decimal(i) / 4,
        "blob": bytes([i, 0, 255, 10]),
        "blobs": {bytes([i]), b"\x00\xff"},
        "names": {"ann", f"bo{i}"},
        "numbers": {Decimal(1), Decimal(i + 2)},
        "flag": i % 2 == 0,
        "nothing": None,
        "nested": {"list": [1, "two", {"three": [b"\x03", None, True]}], "empty": {}},
        "text": 'ünïcode ✓ "quoted" \n newline',
    }
    for i in range(12)
]


def _calls(client: Any, resource: Any) -> list[tuple[str, Callable[[], Any]]]:
    table = resource.Table(TABLE)
    key = {"pk": {"S": "app#3"}, "sk": {"S": "endpoint#003"}}
    total = {"ReturnConsumedCapacity": "TOTAL"}
    indexes = {"ReturnConsumedCapacity": "INDEXES"}
    return [
        (
            "PutItem",
            lambda: table.put_item(Item={**ITEMS[0], "extra": "x"}, ReturnValues="ALL_OLD", **indexes),
        ),
        ("GetItem", lambda: client.get_item(TableName=TABLE, Key=key, **total)),
        ("GetItem", lambda: client.get_item(TableName=TABLE, Key={**key, "sk": {"S": "none"}})),
        (
            "GetItem",
            lambda: client.get_item(
                TableName=TABLE,
                Key=key,
                ProjectionExpression="#n, nested.#l[2]",
                ExpressionAttributeNames={"#n": "n", "#l": "list"},
            ),
        ),
        (
            "UpdateItem",
            lambda: client.update_item(
                TableName=TABLE,
                Key=key,
                UpdateExpression="SET n = n + :one, blob = :b ADD names :s",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":b": {"B": b"\x01\x02"},
                    ":s": {"SS": ["cy"]},
                },
                ReturnValues="ALL_NEW",
                **total,
            ),
        ),
        ("UpdateItem", lambda: client.update_item(TableName=TABLE, Key=key, UpdateExpression="REMOVE flag")),
        (
            "Query",
            lambda: client.query(
                TableName=TABLE,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "app#4"}},
                **indexes,
            ),
        ),
        (
            "Query",
            lambda: client.query(
                TableName=TABLE,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "app#4"}},
                Select="COUNT",
            ),
        ),
        ("Scan", lambda: client.scan(TableName=TABLE, Limit=5, **total)),
        (
            "Scan",
            lambda: client.scan(
                TableName=TABLE,
                FilterExpression="flag = :t",
                ExpressionAttributeValues={":t": {"BOOL": True}},
            ),
        ),
        ("Scan", lambda: client.scan(TableName=TABLE, Segment=1, TotalSegments=3)),
        (
            "BatchGetItem",
            lambda: client.batch_get_item(
                RequestItems={
                    TABLE: {
                        "Keys": [
                            key,
                            {"pk": {"S": "app#5"}, "sk": {"S": "endpoint#005"}},
                            {"pk": {"S": "x"}, "sk": {"S": "y"}},
                        ]
                    }
                },
                **total,
            ),
        ),
        (
            "BatchWriteItem",
            lambda: client.batch_write_item(
                RequestItems={
                    TABLE: [
                        {
                            "PutRequest": {
                                "Item": {"pk": {"S": "app#20"}, "sk": {"S": "e"}, "b": {"B": b"\x00"}}
                            }
                        },
                        {"DeleteRequest": {"Key": {"pk": {"S": "app#6"}, "sk": {"S": "endpoint#006"}}}},
                    ]
                },
                ReturnItemCollectionMetrics="SIZE",
                **total,
            ),
        ),
        (
            "TransactGetItems",
            lambda: client.transact_get_items(
                TransactItems=[{"Get": {"TableName": TABLE, "Key": key}}], **total
            ),
        ),
        (
            "TransactWriteItems",
            lambda: client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "app#21"}, "sk": {"S": "e"}}}},
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key": key,
                            "UpdateExpression": "SET v = :v",
                            "ExpressionAttributeValues": {":v": {"N": "2"}},
                        }
                    },
                ],
                **total,
            ),
        ),
        ("DeleteItem", lambda: client.delete_item(TableName=TABLE, Key=key, ReturnValues="ALL_OLD", **total)),
        ("DeleteItem", lambda: client.delete_item(TableName=TABLE, Key=key)),
    ]


def _bodies(installed: bool) -> list[tuple[str, int, Any]]:
    """Every call's (operation, status, decoded body), with or without the direct answers."""
    with mock_aws():
        if installed:
            dynamodb_wire.install()
        try:
            client = boto3.client("dynamodb", region_name="us-east-1")
            resource = boto3.resource("dynamodb", region_name="us-east-1")
            client.create_table(
                TableName=TABLE,
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
            table = resource.Table(TABLE)
            for item in ITEMS:
                table.put_item(Item=item)
            bodies: list[tuple[str, int, Any]] = []

            def record(response_dict: dict[str, Any], **_: Any) -> None:
                bodies.append((response_dict["status_code"], json.loads(response_dict["body"] or b"{}")))

            for each in (client, resource.meta.client):
                each.meta.events.register("before-parse.dynamodb.*", record)
            answers = []
            for name, call in _calls(client, resource):
                with contextlib.suppress(ClientError):  # a refusal's body is compared too
                    call()
                status, body = bodies[-1]
                answers.append((name, status, body))
            with pytest.raises(ClientError, match="ConditionalCheckFailed"):
                client.put_item(
                    TableName=TABLE,
                    Item={"pk": {"S": "app#1"}, "sk": {"S": "endpoint#001"}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
            answers.append(("PutItem refused", *bodies[-1]))
            return answers
        finally:
            dynamodb_wire.uninstall()


def test_the_direct_answers_are_moto_serializers_answers():
    direct, serialized = _bodies(installed=True), _bodies(installed=False)
    assert (
        len(direct)
        == len(serialized)
        == len(_calls(None, boto3.resource("dynamodb", region_name="us-east-1"))) + 1
    )
    for (name, status, body), (_, want_status, want) in zip(direct, serialized, strict=True):
        assert (name, status, body) == (name, want_status, want)
    assert any("ConsumedCapacity" in body for _, _, body in direct)
    # Binary values, at the top and nested, came back base64-encoded as moto's serializer does.
    full = next(
        body["Item"] for name, _, body in direct if name == "GetItem" and "blob" in body.get("Item", {})
    )
    assert base64.b64decode(full["blob"]["B"]) == bytes([3, 0, 255, 10])
    assert base64.b64decode(full["nested"]["M"]["list"]["L"][2]["M"]["three"]["L"][0]["B"]) == b"\x03"


def test_an_answer_holding_something_no_item_holds_is_refused_not_guessed():
    with pytest.raises(TypeError, match="not part of"):
        dynamodb_wire.encode("GetItem", {"Item": {"when": object()}})
