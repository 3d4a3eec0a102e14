"""Campaigns on DynamoDB (the campaigns application's CampaignsTable): `pk` = the application id,
`sk` = the campaign id, the CampaignResponse whole; a write names the version it replaces, so two
concurrent updates never silently lose one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import (
    failed_conditions,
    from_item,
    query_items,
    raise_conflict,
    scan_items,
    to_item,
    transact_write,
)


class DynamoCampaignStore:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def put(self, campaign: dict[str, Any], replacing_version: int | None = None) -> None:
        """Writes the campaign if it does not exist yet (None) or is still at `replacing_version`;
        ConflictError otherwise."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "Item": to_item({"pk": campaign["ApplicationId"], "sk": campaign["Id"], "campaign": campaign}),
        }
        if replacing_version is None:
            request["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            request["ConditionExpression"] = "campaign.Version = :v"
            request["ExpressionAttributeValues"] = {":v": {"N": str(replacing_version)}}
        try:
            self.client.put_item(**request)
        except ClientError as exc:
            raise_conflict(exc, f"campaign {campaign['Id']}")

    def get(self, app_id: str, campaign_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": app_id}, "sk": {"S": campaign_id}}, ConsistentRead=True
        ).get("Item")
        return from_item(item)["campaign"] if item else None

    def list(self, app_id: str) -> list[dict[str, Any]]:
        """The application's campaigns, oldest first."""
        items = query_items(
            self.client,
            TableName=self.table,
            KeyConditionExpression="pk = :app",
            ExpressionAttributeValues={":app": {"S": app_id}},
        )
        return sorted((item["campaign"] for item in items), key=lambda c: (c["CreationDate"], c["Id"]))

    def all(self) -> Iterator[dict[str, Any]]:
        """Every application's campaigns (a scan, for the lake's names export)."""
        for item in scan_items(
            self.client, TableName=self.table, FilterExpression="attribute_exists(campaign)"
        ):
            yield item["campaign"]

    def delete(self, app_id: str, campaign_id: str) -> None:
        self.client.delete_item(TableName=self.table, Key={"pk": {"S": app_id}, "sk": {"S": campaign_id}})


class DynamoCapCounter:
    """Messages counted per (campaign, endpoint) in the CampaignsTable: `pk` = `CAP#<app>#<campaign>`,
    `sk` = the endpoint id, a `total` and one counter per day (`d<YYYYMMDD>`). One transaction
    counts a message only if both limits still allow it, so concurrent batches can't overshoot, and
    writes a marker for the run (`sk` = `<endpoint>#RUN#<run>`, expiring after MARKER_DAYS), so a
    retried part or a replayed event of the same run is counted once and still sends."""

    MARKER_DAYS = 8  # longer than a run's retries and the event stream's longest retention

    def __init__(self, table_name: str, client: Any, clock: Callable[[], float] = time.time) -> None:
        self.table = table_name
        self.client = client  # a boto3 DynamoDB client
        self.clock = clock

    def take(
        self,
        app_id: str,
        campaign_id: str,
        endpoint_id: str,
        day: str,
        daily: int | None,
        total: int | None,
        run_id: str,
    ) -> bool:
        conditions, values = [], {":one": {"N": "1"}}
        if total:
            conditions.append("(attribute_not_exists(#total) OR #total < :total)")
            values[":total"] = {"N": str(total)}
        if daily:
            conditions.append("(attribute_not_exists(#day) OR #day < :daily)")
            values[":daily"] = {"N": str(daily)}
        pk = f"CAP#{app_id}#{campaign_id}"
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"pk": {"S": pk}, "sk": {"S": endpoint_id}},
            "UpdateExpression": "ADD #total :one, #day :one",
            "ExpressionAttributeNames": {"#total": "total", "#day": "d" + day.replace("-", "")},
            "ExpressionAttributeValues": values,
        }
        if conditions:
            update["ConditionExpression"] = " AND ".join(conditions)
        marker = {
            "pk": {"S": pk},
            "sk": {"S": f"{endpoint_id}#RUN#{run_id}"},
            "expires": {"N": str(int(self.clock()) + self.MARKER_DAYS * 86_400)},
        }
        try:
            transact_write(
                self.client,
                [
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": marker,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {"Update": update},
                ],
            )
        except ClientError as exc:
            failed = failed_conditions(exc)
            if 0 in failed:  # this run was counted before
                return True
            if 1 in failed:  # a limit would be passed
                return False
            raise
        return True
