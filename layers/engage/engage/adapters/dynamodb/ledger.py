"""The send ledger on DynamoDB (the messaging application's SendsTable): `pk` = the send's key,
`status`, `attempt`, `claimed_at`, and `expires_at` (the table's TTL: records outlive any
redelivery, then go)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import from_item, is_conflict, to_item
from engage.sending.ledger import Record, Status

RETENTION_SECONDS = 30 * 86400


class DynamoLedger:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def claim(self, key: str, attempt: str, now: float, replacing: str | None = None) -> bool:
        item = {
            "pk": key,
            "status": Status.SENDING.value,
            "attempt": attempt,
            "claimed_at": now,
            "expires_at": int(now) + RETENTION_SECONDS,
        }
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if replacing is not None:
            condition = {
                "ConditionExpression": "#s = :sending AND attempt = :previous",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":sending": {"S": "SENDING"}, ":previous": {"S": replacing}},
            }
        try:
            self.client.put_item(TableName=self.table, Item=to_item(item), **condition)
        except ClientError as exc:
            if is_conflict(exc):
                return False
            raise
        return True

    def get(self, key: str) -> Record | None:
        item = self.client.get_item(TableName=self.table, Key={"pk": {"S": key}}, ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return None
        found = from_item(item)
        return Record(
            Status(found["status"]),
            found["attempt"],
            float(found["claimed_at"]),
            found.get("message_id"),
            found.get("reason"),
        )

    def finish(
        self, key: str, attempt: str, status: Status, message_id: str | None, reason: str | None
    ) -> None:
        values: dict[str, Any] = {":status": {"S": status.value}, ":attempt": {"S": attempt}}
        sets = ["#s = :status"]
        for name, value in (("message_id", message_id), ("reason", reason)):
            if value is not None:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = {"S": value}
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": key}},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="attempt = :attempt",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if not is_conflict(exc):  # another delivery took the send over: its record stands
                raise

    def release(self, key: str, attempt: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"pk": {"S": key}},
                ConditionExpression="#s = :sending AND attempt = :attempt",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":sending": {"S": "SENDING"}, ":attempt": {"S": attempt}},
            )
        except ClientError as exc:
            if not is_conflict(exc):
                raise
