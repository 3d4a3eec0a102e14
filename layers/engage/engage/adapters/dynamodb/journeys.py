"""Journeys on DynamoDB (the journeys application's JourneysTable): `pk` = the application id,
`sk` = the journey id, the JourneyResponse whole; a write names the LastModifiedDate of the version
it replaces, so two concurrent updates never silently lose one."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import from_item, query_items, raise_conflict, to_item


class DynamoJourneyStore:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def put(self, journey: dict[str, Any], replacing: str | None = None) -> None:
        request: dict[str, Any] = {
            "TableName": self.table,
            "Item": to_item({"pk": journey["ApplicationId"], "sk": journey["Id"], "journey": journey}),
        }
        if replacing is None:
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            request["ConditionExpression"] = "journey.LastModifiedDate = :v"
            request["ExpressionAttributeValues"] = {":v": {"S": replacing}}
        try:
            self.client.put_item(**request)
        except ClientError as exc:
            raise_conflict(exc, f"journey {journey['Id']}")

    def get(self, app_id: str, journey_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": app_id}, "sk": {"S": journey_id}}, ConsistentRead=True
        ).get("Item")
        return from_item(item)["journey"] if item else None

    def list(self, app_id: str) -> list[dict[str, Any]]:
        """The application's journeys, oldest first."""
        items = query_items(
            self.client,
            TableName=self.table,
            KeyConditionExpression="pk = :app",
            ExpressionAttributeValues={":app": {"S": app_id}},
        )
        return sorted((item["journey"] for item in items), key=lambda j: (j["CreationDate"], j["Id"]))

    def delete(self, app_id: str, journey_id: str) -> None:
        self.client.delete_item(TableName=self.table, Key={"pk": {"S": app_id}, "sk": {"S": journey_id}})
