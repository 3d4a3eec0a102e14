"""Campaigns on DynamoDB (the campaigns application's CampaignsTable): `pk` = the application id,
`sk` = the campaign id, the CampaignResponse whole; a write names the version it replaces, so two
concurrent updates never silently lose one. Deleting a campaign removes it and, in the same
transaction, keeps its name under `pk` = `DELETED#<app>` (its id, name, segment and templates, and
when it was deleted): its events still carry its id, and the lake's names export still names it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from engage import clock
from engage.adapters.dynamodb import (
    batch_delete,
    failed_conditions,
    from_item,
    scan_items,
    to_item,
    transact_write,
)
from engage.adapters.dynamodb.documents import ApplicationDocuments
from engage.campaigns.schedule import ZoneSnapshot
from engage.errors import ConflictError
from engage.retry import Backoff

DELETE_ATTEMPTS = 3
NAMED_FIELDS = ("ApplicationId", "Id", "Name", "SegmentId", "TemplateConfiguration")


def zones_pk(app_id: str) -> str:
    """Where the time zones of the application's local-time campaigns' audiences are kept."""
    return f"ZONES#{app_id}"


def deleted_pk(app_id: str) -> str:
    """Where the names of the application's deleted campaigns are kept."""
    return f"DELETED#{app_id}"


class DynamoCampaignStore(ApplicationDocuments):
    ATTRIBUTE = "campaign"
    VERSION = "Version"
    KEEP_VERSIONS = True  # GetCampaignVersion(s)

    def put(self, campaign: dict[str, Any], replacing_version: int | None = None) -> None:
        """Writes the campaign if it does not exist yet (None) or is still at `replacing_version`;
        ConflictError otherwise."""
        self._write(campaign, replacing_version)

    def all(self) -> Iterator[dict[str, Any]]:
        """Every application's campaigns (a scan, for the lake's names export)."""
        for item in scan_items(
            self.client, TableName=self.table, FilterExpression="attribute_exists(campaign)"
        ):
            yield item["campaign"]

    def deleted(self) -> Iterator[dict[str, Any]]:
        """Every application's deleted campaigns, as much of each as names it (`NAMED_FIELDS`) and
        `DeletionDate` (a scan, for the lake's names export)."""
        for item in scan_items(
            self.client, TableName=self.table, FilterExpression="attribute_exists(deleted_campaign)"
        ):
            yield {**item["deleted_campaign"], "DeletionDate": item["deleted_at"]}

    def delete(self, app_id: str, campaign_id: str) -> None:
        """Removes the campaign and keeps its name, in one transaction: the name kept is the one the
        campaign had when it went (an update meanwhile makes the delete read it again)."""
        for _attempt in range(DELETE_ATTEMPTS):
            campaign = self.get(app_id, campaign_id)
            if campaign is None:
                return
            named = {k: campaign[k] for k in NAMED_FIELDS if campaign.get(k) is not None}
            tombstone = {
                "pk": deleted_pk(app_id),
                "sk": campaign_id,
                "deleted_campaign": named,
                "deleted_at": clock.iso_now(),
            }
            try:
                transact_write(
                    self.client,
                    [
                        {
                            "Delete": {
                                "TableName": self.table,
                                "Key": {"pk": {"S": app_id}, "sk": {"S": campaign_id}},
                                "ConditionExpression": "campaign.Version = :v",
                                "ExpressionAttributeValues": {":v": {"N": str(campaign["Version"])}},
                            }
                        },
                        {"Put": {"TableName": self.table, "Item": to_item(tombstone)}},
                    ],
                )
                kept = [
                    {"pk": {"S": app_id}, "sk": {"S": f"{campaign_id}#v{v['Version']}"}}
                    for v in self.versions(app_id, campaign_id)
                ]
                batch_delete(self.client, self.table, kept, Backoff())  # its kept versions go with it
                return
            except ClientError as exc:
                if not failed_conditions(exc):
                    raise
        raise ConflictError(f"campaign {campaign_id} kept changing while it was being deleted")


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
