"""Journeys on DynamoDB (the journeys application's JourneysTable): each JourneyResponse whole under
its application and id; a write names the LastModifiedDate of the version it replaces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engage.adapters.dynamodb import scan_items
from engage.adapters.dynamodb.documents import ApplicationDocuments


class DynamoJourneyStore(ApplicationDocuments):
    ATTRIBUTE = "journey"
    VERSION = "LastModifiedDate"

    def put(self, journey: dict[str, Any], replacing: str | None = None) -> None:
        self._write(journey, replacing)

    def all(self) -> Iterator[dict[str, Any]]:
        """Every application's journeys (a scan, for the lake's names export)."""
        for item in scan_items(
            self.client, TableName=self.table, FilterExpression="attribute_exists(journey)"
        ):
            yield item["journey"]

    def delete(self, app_id: str, journey_id: str) -> None:
        self.client.delete_item(TableName=self.table, Key={"pk": {"S": app_id}, "sk": {"S": journey_id}})
