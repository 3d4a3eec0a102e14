"""The consent store's DynamoDB table (ConsentTable): `pk` = `<app>#<channel>#<address key>`,
`sk` = `CURRENT` for the decision in force and `HIST#<time>#<source message id>` for the trail."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import from_item, is_conflict, partition_items, query_items, to_item
from engage.addresses import ChannelType, address_key, parse_channel
from engage.consent import ConsentRecord, ConsentStatus

CURRENT = "CURRENT"


def consent_pk(app_id: str, channel: ChannelType | str, key: str) -> str:
    return f"{app_id}#{ChannelType(channel)}#{key}"


class DynamoConsentStore:
    def __init__(self, table_name: str, client: Any) -> None:
        self.table = table_name
        self.client = client

    def record(self, record: ConsentRecord) -> bool:
        pk = consent_pk(record.app_id, record.channel, record.key)
        values = _values(record)
        trail = f"HIST#{record.recorded_at}#{record.source_message_id or record.source}"
        self.client.put_item(TableName=self.table, Item=to_item({"pk": pk, "sk": trail, **values}))
        try:
            self.client.put_item(
                TableName=self.table,
                Item=to_item({"pk": pk, "sk": CURRENT, **values}),
                # An older decision arriving late (a replay, an out-of-order change feed) must not win.
                ConditionExpression="attribute_not_exists(pk) OR recorded_at <= :t",
                ExpressionAttributeValues={":t": {"S": record.recorded_at}},
            )
        except ClientError as exc:
            if is_conflict(exc):
                return False
            raise
        return True

    def get(self, app_id: str, channel: ChannelType | str, address: str) -> ConsentRecord | None:
        channel = parse_channel(channel)
        response = self.client.get_item(
            TableName=self.table,
            ConsistentRead=True,
            Key={
                "pk": {"S": consent_pk(app_id, channel, address_key(channel, address))},
                "sk": {"S": CURRENT},
            },
        )
        return _record(from_item(response["Item"])) if "Item" in response else None

    def history(self, app_id: str, channel: ChannelType | str, address: str) -> list[ConsentRecord]:
        channel = parse_channel(channel)
        items = query_items(
            self.client,
            TableName=self.table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :hist)",
            ExpressionAttributeValues={
                ":pk": {"S": consent_pk(app_id, channel, address_key(channel, address))},
                ":hist": {"S": "HIST#"},
            },
        )
        return [_record(item) for item in items]

    def erase(self, app_id: str, channel: ChannelType | str, address: str) -> int:
        """Deletes the address's consent decision and its whole history; returns how many items."""
        channel = parse_channel(channel)
        pk = consent_pk(app_id, channel, address_key(channel, address))
        items = partition_items(self.client, self.table, pk, ProjectionExpression="sk")
        removed = 0
        for item in items:
            self.client.delete_item(TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": item["sk"]}})
            removed += 1
        return removed


def _values(record: ConsentRecord) -> dict[str, Any]:
    return {
        "app_id": record.app_id,
        "channel": record.channel.value,
        "address": record.address,
        "status": record.status.value,
        "source": record.source,
        "recorded_at": record.recorded_at,
        "source_message_id": record.source_message_id,
    }


def _record(item: dict[str, Any]) -> ConsentRecord:
    return ConsentRecord(
        item["app_id"],
        ChannelType(item["channel"]),
        item["address"],
        ConsentStatus(item["status"]),
        item["source"],
        item["recorded_at"],
        item.get("source_message_id"),
    )
