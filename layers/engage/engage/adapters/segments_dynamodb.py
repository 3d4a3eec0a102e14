"""Segment definitions on DynamoDB (the audience application's SegmentsTable), in Pinpoint's
SegmentResponse shape: `pk` = `SEG#<app>#<segment id>`. The import workflow defines IMPORT segments
here; their members are the ids each chunk accepted (`import-work/<job>/accepted-*.json`)."""

from __future__ import annotations

from typing import Any

from engage.adapters.dynamodb import from_item, to_item


class DynamoSegmentStore:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def put(self, segment: dict[str, Any]) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": f"SEG#{segment['ApplicationId']}#{segment['Id']}",
                    "app_id": segment["ApplicationId"],
                    "segment": segment,
                }
            ),
        )

    def get(self, app_id: str, segment_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": f"SEG#{app_id}#{segment_id}"}}, ConsistentRead=True
        ).get("Item")
        return from_item(item)["segment"] if item else None
