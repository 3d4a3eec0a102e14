"""The suppression list's DynamoDB table (SuppressionTable): `pk` = `<app>#<address key>`, `sk` =
the reason; the ByApp index (`app_id`, `suppressed_at`) lists an application's entries in time order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from engage.adapters.dynamodb import from_item, partition_items, query_items, to_item
from engage.addresses import ChannelType, address_key, parse_channel
from engage.errors import ValidationError
from engage.suppression import Suppression, SuppressionReason, erased_digest

BY_APP = "ByApp"


def suppression_pk(app_id: str, key: str) -> str:
    return f"{app_id}#{key}"


def erased_pk(app_id: str, digest: str) -> str:
    return suppression_pk(app_id, f"ERASED#{digest}")


def transient_pk(app_id: str, key: str) -> str:
    return f"TRANSIENT#{suppression_pk(app_id, key)}"


class DynamoSuppressionList:
    """`erasure_secret` gives the key erased addresses are hashed under (None: erasure markers are
    neither written nor read)."""

    def __init__(
        self, table_name: str, client: Any, erasure_secret: Callable[[], bytes | None] | None = None
    ) -> None:
        self.table = table_name
        self.client = client
        self.erasure_secret = erasure_secret or (lambda: None)

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
        items = partition_items(self.client, self.table, suppression_pk(app_id, key))
        found = [_entry(item) for item in items]
        marker = self._erased_pk(app_id, channel, address)
        if marker is not None:
            item = self.client.get_item(
                TableName=self.table,
                Key={"pk": {"S": marker}, "sk": {"S": SuppressionReason.ERASED.value}},
                ConsistentRead=True,
            ).get("Item")
            if item:
                found.append(_entry(from_item(item)))
        return found

    def suppress_erased(self, app_id: str, channel: ChannelType | str, address: str, at: str) -> None:
        """Keeps an erased address suppressed under its keyed hash only."""
        marker = self._erased_pk(app_id, channel, address)
        if marker is None:
            raise ValidationError(
                "ERASURE_SECRET_ARN", "erasure needs the secret erased addresses are hashed with"
            )
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": marker,
                    "sk": SuppressionReason.ERASED.value,
                    "app_id": app_id,
                    "channel": parse_channel(channel).value,
                    "address": marker.rsplit("#", 1)[1],
                    "reason": SuppressionReason.ERASED.value,
                    "source": "erasure",
                    "suppressed_at": at,
                }
            ),
        )

    def _erased_pk(self, app_id: str, channel: ChannelType | str, address: str) -> str | None:
        secret = self.erasure_secret()
        if not secret:
            return None
        return erased_pk(app_id, erased_digest(secret, channel, address))

    def remove(
        self, app_id: str, channel: ChannelType | str, address: str, reason: SuppressionReason | None = None
    ) -> int:
        removed = 0
        for entry in self.get(app_id, channel, address):
            if entry.reason is SuppressionReason.ERASED:
                continue  # an erased address stays suppressed: its marker is never removed
            if reason is None or entry.reason is reason:
                self.client.delete_item(
                    TableName=self.table,
                    Key={"pk": {"S": suppression_pk(app_id, entry.key)}, "sk": {"S": entry.reason.value}},
                )
                removed += 1
        return removed

    def count_transient(self, app_id: str, address: str, feedback_id: str, at: str, window: float) -> int:
        """Records a transient bounce of the address (once per feedback id: a replay overwrites it)
        and counts those within `window` seconds before `at`. Kept under `TRANSIENT#<app>#<key>`,
        with no app_id (not a suppression: out of the ByApp index) and expiring after the window."""
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
        pk = transient_pk(app_id, address_key(ChannelType.EMAIL, address))
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": pk,
                    "sk": feedback_id,
                    "bounced_at": moment.timestamp(),
                    "expires_at": int(moment.timestamp() + window),
                }
            ),
        )
        since = moment.timestamp() - window
        items = partition_items(self.client, self.table, pk)
        return sum(1 for item in items if float(item["bounced_at"]) >= since)

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
