"""Token buckets on DynamoDB (the messaging application's SendsTable, `pk` = `BUCKET#<identity>`):
a bucket changes only by a write conditioned on the version that was read."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import from_item, raise_conflict, to_item
from engage.sending.governor import Bucket


def bucket_pk(identity: str) -> str:
    return f"BUCKET#{identity}"


class DynamoBucketStore:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def read(self, identity: str) -> Bucket | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": bucket_pk(identity)}}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        found = from_item(item)
        return Bucket(float(found["tokens"]), float(found["updated_at"]), int(found["version"]))

    def write(self, identity: str, bucket: Bucket, expected_version: int | None) -> None:
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if expected_version is not None:
            condition = {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            }
        item = {
            "pk": bucket_pk(identity),
            "tokens": bucket.tokens,
            "updated_at": bucket.updated_at,
            "version": bucket.version,
        }
        try:
            self.client.put_item(TableName=self.table, Item=to_item(item), **condition)
        except ClientError as exc:
            raise_conflict(exc, f"the token bucket of {identity}")
