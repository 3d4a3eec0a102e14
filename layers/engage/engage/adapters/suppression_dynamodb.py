"""The suppression list's DynamoDB table (SuppressionTable): `pk` = `<app>#<address key>`, `sk` =
the reason; the ByApp index (`app_id`, `suppressed_at`) lists an application's entries in time order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engage.adapters.dynamodb import query_items, to_item
from engage.addresses import ChannelType, address_key, parse_channel
from engage.suppression import Suppression, SuppressionReason

BY_APP = "ByApp"


def suppression_pk(app_id: str, key: str) -> str:
    return f"{app_id}#{key}"


class DynamoSuppressionList:
    def __init__(self, table_name: str, client: Any) -> None:
        self.table = table_name
        self.client = client

    def suppress(self, entry: Suppression) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": suppression_pk(entry.app_id, entry.key),
                    "sk": entry.reason.value,
                    "app_id": entry.app_id,
                    "channel": entry.channel.value,
                    "address": entry.address,
                    "reason": entry.reason.value,
                    "source": entry.source,
                    "suppressed_at": entry.suppressed_at,
                    "feedback_id": entry.feedback_id,
                }
            ),
        )

    def get(self, app_id: str, channel: ChannelType | str, address: str) -> list[Suppression]:
        key = address_key(parse_channel(channel), address)
        items = query_items(
            self.client,
            TableName=self.table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": suppression_pk(app_id, key)}},
        )
        return [_entry(item) for item in items]

    def remove(
        self, app_id: str, channel: ChannelType | str, address: str, reason: SuppressionReason | None = None
    ) -> int:
        removed = 0
        for entry in self.get(app_id, channel, address):
            if reason is None or entry.reason is reason:
                self.client.delete_item(
                    TableName=self.table,
                    Key={"pk": {"S": suppression_pk(app_id, entry.key)}, "sk": {"S": entry.reason.value}},
                )
                removed += 1
        return removed

    def list(self, app_id: str) -> Iterator[Suppression]:
        items = query_items(
            self.client,
            TableName=self.table,
            IndexName=BY_APP,
            KeyConditionExpression="app_id = :app",
            ExpressionAttributeValues={":app": {"S": app_id}},
        )
        return (_entry(item) for item in items)


def _entry(item: dict[str, Any]) -> Suppression:
    return Suppression(
        item["app_id"],
        ChannelType(item["channel"]),
        item["address"],
        SuppressionReason(item["reason"]),
        item["source"],
        item["suppressed_at"],
        item.get("feedback_id"),
    )
