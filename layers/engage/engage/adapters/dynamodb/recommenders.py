"""Recommender model configurations on DynamoDB, beside the message templates that name them (the
TemplatesTable): one partition, `pk` = `RECOMMENDERS`, `sk` = the configuration's id. Configurations
number in the tens, so listing them is one query of that partition."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import from_item, is_conflict, partition_items, to_item
from engage.errors import ConflictError, NotFoundError

PARTITION = "RECOMMENDERS"


class DynamoRecommenderStore:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def _key(self, recommender_id: str) -> dict[str, dict[str, str]]:
        return {"pk": {"S": PARTITION}, "sk": {"S": recommender_id}}

    def put(self, configuration: dict[str, Any], new: bool) -> None:
        item = to_item({"pk": PARTITION, "sk": configuration["Id"], "configuration": configuration})
        condition = "attribute_not_exists(pk)" if new else "attribute_exists(pk)"
        try:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression=condition)
        except ClientError as exc:
            if not is_conflict(exc):
                raise
            if new:
                raise ConflictError(f"recommender configuration {configuration['Id']} exists") from exc
            raise NotFoundError(f"recommender configuration {configuration['Id']!r} does not exist") from exc

    def get(self, recommender_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table, Key=self._key(recommender_id), ConsistentRead=True
        ).get("Item")
        return from_item(item)["configuration"] if item else None

    def all(self) -> list[dict[str, Any]]:
        return [item["configuration"] for item in partition_items(self.client, self.table, PARTITION)]

    def delete(self, recommender_id: str) -> bool:
        answer = self.client.delete_item(
            TableName=self.table, Key=self._key(recommender_id), ReturnValues="ALL_OLD"
        )
        return bool(answer.get("Attributes"))
