"""Campaigns on DynamoDB (the campaigns application's CampaignsTable): `pk` = the application id,
`sk` = the campaign id, the CampaignResponse whole; a write names the version it replaces, so two
concurrent updates never silently lose one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from engage import clock
from engage.adapters.dynamodb import (
    failed_conditions,
    from_item,
    query_items,
    raise_conflict,
    scan_items,
    to_item,
    transact_write,
)
from engage.campaigns.schedule import ZoneSnapshot


def cap_pk(app_id: str, campaign_id: str) -> str:
    """Where a campaign's per-endpoint counts are kept."""
    return f"CAP#{app_id}#{campaign_id}"


def zones_pk(app_id: str) -> str:
    """Where the time zones of the application's local-time campaigns' audiences are kept."""
    return f"ZONES#{app_id}"


def app_cap_pk(app_id: str) -> str:
    """Where the application's per-endpoint daily counts across all its campaigns are kept."""
    return f"APPCAP#{app_id}"


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
    `sk` = the endpoint id, a `total` and one counter per day (`d<YYYYMMDD>`); across the
    application's campaigns, the same under `APPCAP#<app>`. One transaction counts a message only if
    every limit still allows it, so concurrent batches can't overshoot, and
    writes a marker for the run (`sk` = `<endpoint>#RUN#<run>`, expiring after MARKER_DAYS), so a
    retried part or a replayed event of the same run is counted once and still sends."""

    MARKER_DAYS = 8  # longer than a run's retries and the event stream's longest retention

    def __init__(self, table_name: str, client: Any, clock: Callable[[], float] = clock.time) -> None:
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
        app_daily: int | None = None,
    ) -> bool:
        day_counter = "d" + day.replace("-", "")
        pk = cap_pk(app_id, campaign_id)
        marker = {
            "pk": {"S": pk},
            "sk": {"S": f"{endpoint_id}#RUN#{run_id}"},
            "expires": {"N": str(int(self.clock()) + self.MARKER_DAYS * 86_400)},
        }
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": marker,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Update": self._counter(pk, endpoint_id, day_counter, daily, total)},
        ]
        if app_daily:
            items.append(
                {"Update": self._counter(app_cap_pk(app_id), endpoint_id, day_counter, app_daily, None)}
            )
        try:
            transact_write(self.client, items)
        except ClientError as exc:
            failed = failed_conditions(exc)
            if 0 in failed:  # this run was counted before
                return True
            if failed:  # a limit would be passed
                return False
            raise
        return True

    def _counter(
        self, pk: str, endpoint_id: str, day: str, daily: int | None, total: int | None
    ) -> dict[str, Any]:
        """Adds one to the endpoint's total and day counters under `pk`, if both stay within their
        limits."""
        conditions, values = [], {":one": {"N": "1"}}
        if total:
            conditions.append("(attribute_not_exists(#total) OR #total < :total)")
            values[":total"] = {"N": str(total)}
        if daily:
            conditions.append("(attribute_not_exists(#day) OR #day < :daily)")
            values[":daily"] = {"N": str(daily)}
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"pk": {"S": pk}, "sk": {"S": endpoint_id}},
            "UpdateExpression": "ADD #total :one, #day :one",
            "ExpressionAttributeNames": {"#total": "total", "#day": day},
            "ExpressionAttributeValues": values,
        }
        if conditions:
            update["ConditionExpression"] = " AND ".join(conditions)
        return update


class DynamoZoneSnapshots:
    """The zones a local-time campaign's audience was last seen in: `pk` = `ZONES#<app>`, `sk` = the
    campaign id, the zone names and when."""

    def __init__(self, table_name: str, client: Any) -> None:
        self.table = table_name
        self.client = client  # a boto3 DynamoDB client

    def get(self, app_id: str, campaign_id: str) -> ZoneSnapshot | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": zones_pk(app_id)}, "sk": {"S": campaign_id}}
        ).get("Item")
        if not item:
            return None
        found = from_item(item)
        return ZoneSnapshot(frozenset(found.get("zones") or ()), datetime.fromisoformat(found["seen_at"]))

    def put(self, app_id: str, campaign_id: str, snapshot: ZoneSnapshot) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": zones_pk(app_id),
                    "sk": campaign_id,
                    "zones": sorted(snapshot.zones),
                    "seen_at": snapshot.seen_at.isoformat(),
                }
            ),
        )
