"""The sample's send-time data on DynamoDB (the extensions application's OffersTable):
`ApplicationId` and `EndpointId` as the key, the value in `Offer`; read with BatchGetItem, 100 keys
a call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engage.adapters.dynamodb import batch_get
from engage.retry import Backoff

BATCH = 100  # BatchGetItem's limit


class DynamoOffers:
    def __init__(self, table: str, client: Any, field: str = "Offer", backoff: Backoff | None = None) -> None:
        self.table, self.client, self.field = table, client, field
        self.backoff = backoff or Backoff()

    def values(self, app_id: str, endpoint_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(endpoint_ids))
        for start in range(0, len(unique), BATCH):
            keys = [
                {"ApplicationId": {"S": app_id}, "EndpointId": {"S": e}}
                for e in unique[start : start + BATCH]
            ]
            for item in batch_get(self.client, self.table, keys, self.backoff):
                if isinstance(item.get(self.field), str):
                    found[item["EndpointId"]] = item[self.field]
        return found
