"""Segment definitions on DynamoDB (the audience application's SegmentsTable), in Pinpoint's
SegmentResponse shape: `pk` = `SEG#<app>#<segment id>`, with `members` locating an imported
segment's member list (`s3://<bucket>/segment-members/<app>/<segment id>/`, one JSON list of
endpoint ids per import chunk). Each version is also kept whole as `SEG#<app>#<segment id>#v<n>`
(without `app_id`, so listings skip it), for GetSegmentVersion and GetSegmentVersions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engage.adapters.dynamodb import (
    batch_delete,
    batch_get,
    from_item,
    scan_items,
    set_tags,
    to_item,
    transact_write,
)
from engage.retry import Backoff


def segment_pk(app_id: str, segment_id: str) -> str:
    return f"SEG#{app_id}#{segment_id}"


class DynamoSegmentStore:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def put(self, segment: dict[str, Any], members: str | None = None) -> None:
        pk = segment_pk(segment["ApplicationId"], segment["Id"])
        current = {"pk": pk, "app_id": segment["ApplicationId"], "segment": segment, "members": members}
        items = [current]
        if segment.get("Version") is not None:  # every SegmentResponse has one
            items.append({"pk": f"{pk}#v{segment['Version']}", "segment": segment})
        transact_write(self.client, [{"Put": {"TableName": self.table, "Item": to_item(i)}} for i in items])

    def versions(self, app_id: str, segment_id: str, latest: int) -> list[dict[str, Any]]:
        """The segment's versions 1 to `latest` that are kept, oldest first."""
        keys = [{"pk": {"S": f"{segment_pk(app_id, segment_id)}#v{n}"}} for n in range(1, latest + 1)]
        items = [
            item
            for n in range(0, len(keys), 100)
            for item in batch_get(self.client, self.table, keys[n : n + 100], Backoff())
        ]
        return sorted((item["segment"] for item in items), key=lambda s: int(s["Version"]))

    def _item(self, app_id: str, segment_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": segment_pk(app_id, segment_id)}}, ConsistentRead=True
        ).get("Item")
        return from_item(item) if item else None

    def set_tags(self, app_id: str, segment_id: str, tags: Mapping[str, str]) -> None:
        key = {"pk": segment_pk(app_id, segment_id)}
        set_tags(self.client, self.table, key, "segment", tags, f"segment {segment_id}")

    def get(self, app_id: str, segment_id: str) -> dict[str, Any] | None:
        item = self._item(app_id, segment_id)
        return item["segment"] if item else None

    def members(self, app_id: str, segment_id: str) -> str | None:
        item = self._item(app_id, segment_id)
        return item.get("members") if item else None

    def delete(self, app_id: str, segment_id: str) -> None:
        """The segment, then its kept versions (the current item first: from then on it is gone)."""
        pk = segment_pk(app_id, segment_id)
        current = self.get(app_id, segment_id)
        self.client.delete_item(TableName=self.table, Key={"pk": {"S": pk}})
        latest = int(current["Version"]) if current else 0
        keys = [{"pk": {"S": f"{pk}#v{n}"}} for n in range(1, latest + 1)]
        batch_delete(self.client, self.table, keys, Backoff())  # 25 a request

    def list(self, app_id: str) -> list[dict[str, Any]]:
        """The application's segments, oldest first (a filtered scan: definitions are few)."""
        items = scan_items(
            self.client,
            TableName=self.table,
            FilterExpression="app_id = :app",
            ExpressionAttributeValues={":app": {"S": app_id}},
        )
        return sorted((item["segment"] for item in items), key=lambda s: (s["CreationDate"], s["Id"]))

    def all(self) -> Iterator[dict[str, Any]]:
        """Every application's segments (for the lake's names export)."""
        for item in scan_items(
            self.client, TableName=self.table, FilterExpression="attribute_exists(app_id)"
        ):
            yield item["segment"]
