"""Applications on DynamoDB (the root stack's ApplicationsTable): `pk` = the application id, the
ApplicationResponse in `application`, its settings in `settings`; a deleted application keeps its
record with `deleted` (when) and `removal` (the progress of removing its data), so the id answers
NotFound at once and the removal can be followed. Also the sweep of a deleted application's items
in every table that holds them (`DynamoTableSweeper`), and where each store keeps an application's
items (`removal_plan`), next to the key formats the stores write."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import batch_delete, from_item, is_conflict, scan_items, to_item, to_value
from engage.adapters.dynamodb.campaigns import deleted_pk, zones_pk
from engage.adapters.dynamodb.contacts import endpoint_pk, registry_pk, tombstone_pk, user_pk
from engage.adapters.dynamodb.jobs import job_pk
from engage.adapters.dynamodb.segments import segment_pk
from engage.adapters.dynamodb.suppression import erased_pk, suppression_pk, transient_pk
from engage.applications.removal import ObjectSweep, TableSweep
from engage.applications.service import CHANNEL_PREFIX
from engage.audience.imports.job import MEMBERS_PREFIX
from engage.errors import ConflictError, NotFoundError
from engage.retry import Backoff
from engage.sending.archive import PREFIX as ARCHIVE_PREFIX

SCAN_PAGE = 500


class DynamoApplicationStore:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def create(self, record: dict[str, Any]) -> None:
        """A new application, or one re-created under the id of a deleted one whose data is gone."""
        item = {"pk": record["application"]["Id"], **record}
        try:
            self.client.put_item(
                TableName=self.table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(pk) OR removal.#s = :completed",
                ExpressionAttributeNames={"#s": "Status"},
                ExpressionAttributeValues={":completed": {"S": "COMPLETED"}},
            )
        except ClientError as exc:
            if is_conflict(exc):
                raise ConflictError(
                    f"application {item['pk']} exists, or its data is still being removed"
                ) from None
            raise

    def get(self, app_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=self.table, Key={"pk": {"S": app_id}}, ConsistentRead=True).get(
            "Item"
        )
        return _record(item) if item else None

    def list(self) -> list[dict[str, Any]]:
        return [_record(item, plain=True) for item in scan_items(self.client, TableName=self.table)]

    def put_settings(self, app_id: str, settings: dict[str, Any]) -> None:
        self._set_live(app_id, "settings", settings)

    def put_application(self, application: dict[str, Any]) -> None:
        self._set_live(application["Id"], "application", application)

    def put_channel(self, app_id: str, platform: str, channel: dict[str, Any] | None) -> None:
        self._set_live(app_id, f"{CHANNEL_PREFIX}{platform}", channel)

    def put_event_stream(self, app_id: str, stream: dict[str, Any] | None) -> None:
        self._set_live(app_id, "event_stream", stream)

    def _set_live(self, app_id: str, name: str, value: Any) -> None:
        """Sets (None: removes) one attribute of a live application's record."""
        change = (
            {"UpdateExpression": "REMOVE #v"}
            if value is None
            else {
                "UpdateExpression": "SET #v = :v",
                "ExpressionAttributeValues": {":v": to_value(value)},
            }
        )
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": app_id}},
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(deleted)",
                ExpressionAttributeNames={"#v": name},
                **change,
            )
        except ClientError as exc:
            if is_conflict(exc):
                raise NotFoundError(f"application {app_id!r} does not exist") from None
            raise

    def mark_deleted(self, app_id: str, when: str) -> dict[str, Any] | None:
        try:
            answer = self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": app_id}},
                UpdateExpression="SET deleted = :when, removal = :removal",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(deleted)",
                ExpressionAttributeValues={
                    ":when": {"S": when},
                    ":removal": to_value({"Status": "IN_PROGRESS", "Started": when}),
                },
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if is_conflict(exc):
                return None
            raise
        return _record(answer["Attributes"])

    # --- RemovalProgress ---------------------------------------------------------------------------
    def removal(self, app_id: str) -> dict[str, Any] | None:
        record = self.get(app_id)
        return dict(record["removal"]) if record and record.get("removal") else None

    def save_removal(self, app_id: str, removal: dict[str, Any]) -> None:
        self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": app_id}},
            UpdateExpression="SET removal = :r",
            ConditionExpression="attribute_exists(deleted)",
            ExpressionAttributeValues={":r": to_value(removal)},
        )


def _record(item: Mapping[str, Any], plain: bool = False) -> dict[str, Any]:
    record = dict(item) if plain else from_item(item)
    record.pop("pk", None)
    return record


class DynamoTableSweeper:
    """Deletes one application's items from a table: a Scan filtered on the key prefixes (DynamoDB
    reads the whole table for it, and bills that read: a removal is rare and runs in the
    background), then BatchWriteItem deletes, page after page."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client  # a boto3 DynamoDB client
        self.backoff = backoff or Backoff()

    def sweep(self, sweep: TableSweep, cursor: Any, time_left: Callable[[], bool]) -> tuple[int, Any]:
        names = {f"#k{i}": name for i, name in enumerate(sweep.key_names)}
        values: dict[str, Any] = {}
        matches = []
        for i, prefix in enumerate(sweep.prefixes):
            values[f":p{i}"] = {"S": prefix}
            matches.append(f"begins_with(#k0, :p{i})")
        for i, key in enumerate(sweep.keys):
            values[f":e{i}"] = {"S": key}
            matches.append(f"#k0 = :e{i}")
        if sweep.app_attribute:
            names["#app"] = sweep.app_attribute
            values[":app"] = {"S": sweep.app_id}
            matches.append("#app = :app")
        request: dict[str, Any] = {
            "TableName": sweep.table,
            "FilterExpression": " OR ".join(matches),
            "ProjectionExpression": ", ".join(f"#k{i}" for i in range(len(sweep.key_names))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "Limit": SCAN_PAGE,
        }
        removed = 0
        while True:
            if cursor:
                request["ExclusiveStartKey"] = cursor
            page = self.client.scan(**request)
            keys = [
                item
                for item in page.get("Items", [])
                if not any(item[sweep.key_names[0]]["S"].startswith(k) for k in sweep.keep)
            ]
            batch_delete(self.client, sweep.table, keys, self.backoff)
            removed += len(keys)
            cursor = page.get("LastEvaluatedKey")
            if cursor is None or not time_left():
                return removed, cursor


class S3ObjectSweeper:
    def __init__(self, objects: Any) -> None:  # engage.adapters.s3.objects.ObjectStore
        self.objects = objects

    def sweep(self, sweep: ObjectSweep, time_left: Callable[[], bool]) -> tuple[int, bool]:
        removed = self.objects.delete_prefix(sweep.bucket, sweep.prefix, time_left)
        return removed, not self.objects.any_key(sweep.bucket, sweep.prefix)


def removal_plan(
    app_id: str, tables: Mapping[str, str], buckets: Mapping[str, str]
) -> list[TableSweep | ObjectSweep]:
    """Where each store keeps the application's items, in the key formats the stores write.
    `tables` and `buckets` name the stack's, by role (contacts, consent, suppression, jobs,
    segments, campaigns, journeys, journey_participants, sends; work, archive); a role left out is
    not swept."""
    sweeps = {
        "contacts": TableSweep(
            "contacts",
            tables.get("contacts", ""),
            app_id,
            prefixes=(endpoint_pk(app_id, ""), user_pk(app_id, ""), tombstone_pk(app_id, "")),
            keys=(registry_pk(app_id),),
        ),
        # Every channel's decisions: the key is <app>#<channel>#<address key>.
        "consent": TableSweep(
            "consent", tables.get("consent", ""), app_id, prefixes=(f"{app_id}#",), key_names=("pk", "sk")
        ),
        "suppression": TableSweep(
            "suppression",
            tables.get("suppression", ""),
            app_id,
            prefixes=(suppression_pk(app_id, ""), transient_pk(app_id, "")),
            keep=(erased_pk(app_id, ""),),
            key_names=("pk", "sk"),
        ),
        # A job's piece markers carry no application in their key, only in `app_id`.
        "jobs": TableSweep(
            "jobs", tables.get("jobs", ""), app_id, prefixes=(job_pk(app_id, ""),), app_attribute="app_id"
        ),
        "segments": TableSweep(
            "segments", tables.get("segments", ""), app_id, prefixes=(segment_pk(app_id, ""),)
        ),
        "campaigns": TableSweep(
            "campaigns",
            tables.get("campaigns", ""),
            app_id,
            keys=(app_id, zones_pk(app_id), deleted_pk(app_id)),
            key_names=("pk", "sk"),
        ),
        "journeys": TableSweep(
            "journeys", tables.get("journeys", ""), app_id, keys=(app_id,), key_names=("pk", "sk")
        ),
        # A journey's participants and clock: the key is <app>#<journey>.
        "journey_participants": TableSweep(
            "journey_participants",
            tables.get("journey_participants", ""),
            app_id,
            prefixes=(f"{app_id}#",),
            key_names=("pk", "sk"),
        ),
        # The send ledger's keys, and the caps' counts beside them, start with the application.
        "sends": TableSweep("sends", tables.get("sends", ""), app_id, prefixes=(f"{app_id}#",)),
    }
    plan: list[TableSweep | ObjectSweep] = [sweep for role, sweep in sweeps.items() if tables.get(role)]
    if buckets.get("work"):
        plan.append(ObjectSweep("segment member lists", buckets["work"], f"{MEMBERS_PREFIX}{app_id}/"))
    if buckets.get("archive"):
        plan.append(ObjectSweep("archive", buckets["archive"], f"{ARCHIVE_PREFIX}{app_id}/"))
    return plan
