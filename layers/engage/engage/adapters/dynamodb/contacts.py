"""The contact store's DynamoDB repository (the template's ContactsTable).

One table, keyed by `pk`:
- `EP#<app>#<endpoint id>`: an endpoint (`endpoint` holds Pinpoint's JSON shape) with a `version`
  for optimistic writes and the keys of three sparse indexes: ByUser (`<app>#<user id>`),
  ByAddress (`<app>#<normalised address>`) and ByChannel (`<app>#<channel>#<shard>`, sharded so a
  large application's channel listing is not one hot partition);
- `USER#<app>#<user id>`: the exact number of endpoints of a user, changed only in the same
  transaction as the endpoints themselves, so the per-user quota holds under concurrency;
- `REG#<app>`: the registry of custom attribute names of an application, with their total.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import (
    batch_get,
    error_code,
    from_item,
    is_conflict,
    query_items,
    raise_conflict,
    to_item,
    to_value,
    transact_write,
)
from engage.addresses import address_key
from engage.contacts.model import ATTRIBUTE_KINDS, Endpoint, user_id
from engage.contacts.store import LAST_ACTIVITY, REMOVED, Change, Stored, user_deltas
from engage.retry import Backoff

CHANNEL_SHARDS = 8
BATCH_GET_KEYS = 100  # BatchGetItem's limit
TRANSACTION_ACTIONS = 100  # TransactWriteItems' limit
BY_USER, BY_ADDRESS, BY_CHANNEL = "ByUser", "ByAddress", "ByChannel"


def endpoint_pk(app_id: str, endpoint_id: str) -> str:
    return f"EP#{app_id}#{endpoint_id}"


def user_pk(app_id: str, user: str) -> str:
    return f"USER#{app_id}#{user}"


def registry_pk(app_id: str) -> str:
    return f"REG#{app_id}"


def tombstone_pk(app_id: str, endpoint_id: str) -> str:
    return f"GONE#{app_id}#{endpoint_id}"


def first_version() -> int:
    """A new endpoint's version: random, so that an endpoint deleted and made again never has a
    version a writer read before the delete (its conditional write then fails, as it must)."""
    return secrets.randbits(52)


def channel_shard(endpoint_id: str) -> int:
    return zlib.crc32(endpoint_id.encode()) % CHANNEL_SHARDS


class DynamoEndpointRepository:
    shard_count = CHANNEL_SHARDS

    def __init__(self, table_name: str, client: Any, backoff: Backoff | None = None) -> None:
        self.table = table_name
        self.client = client
        self.backoff = backoff or Backoff()

    # --- reads -------------------------------------------------------------------------------
    def get(self, app_id: str, endpoint_id: str) -> Stored | None:
        response = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": endpoint_pk(app_id, endpoint_id)}}, ConsistentRead=True
        )
        return _stored(from_item(response["Item"])) if "Item" in response else None

    def user_endpoint_count(self, app_id: str, user: str) -> int:
        response = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": user_pk(app_id, user)}}, ConsistentRead=True
        )
        return int(from_item(response.get("Item", {})).get("endpoint_count", 0))

    def by_user(self, app_id: str, user: str) -> list[Stored]:
        return [_stored(item) for item in self._query(BY_USER, "gsi_user", f"{app_id}#{user}")]

    def by_address_key(self, app_id: str, key: str) -> Iterator[Endpoint]:
        return (item["endpoint"] for item in self._query(BY_ADDRESS, "gsi_address", f"{app_id}#{key}"))

    def by_channel(
        self, app_id: str, channel: str, shards: Sequence[int] | None = None, with_activity: bool = False
    ) -> Iterator[Endpoint]:
        """The channel's endpoints, one index page at a time; `shards` reads only those shards
        (a sample of about len(shards)/shard_count of them); `with_activity` adds each one's last
        activity under LAST_ACTIVITY, when it has one."""
        for shard in range(CHANNEL_SHARDS) if shards is None else shards:
            for item in self._query(BY_CHANNEL, "gsi_channel", f"{app_id}#{channel}#{shard}"):
                if with_activity and item.get("last_activity"):
                    yield {**item["endpoint"], LAST_ACTIVITY: item["last_activity"]}
                else:
                    yield item["endpoint"]

    def part(
        self,
        app_id: str,
        part: int,
        parts: int,
        channels: Sequence[str] | None = None,
        with_activity: bool = False,
    ) -> Iterator[Endpoint]:
        """Part `part` (from 0) of `parts` of the application's endpoints (of `channels` only, when
        given), one page at a time: a parallel Scan's Segment of TotalSegments over the table,
        filtered to the application's endpoints. DynamoDB puts each item in one segment by its
        key, so the parts are disjoint and together hold every endpoint whatever their number,
        and an endpoint changed during the read stays in its part. A segment's scan reads (and is
        charged for) every item of the segment, other applications' too: the filter spares only
        the transfer. `with_activity` as for `by_channel`."""
        if channels is not None and not channels:
            return
        names = {"#pk": "pk", "#e": "endpoint", "#a": "last_activity"}
        values: dict[str, Any] = {":prefix": {"S": endpoint_pk(app_id, "")}}
        condition = "begins_with(#pk, :prefix)"
        if channels is not None:
            names["#c"] = "ChannelType"
            values.update({f":c{n}": {"S": channel} for n, channel in enumerate(channels)})
            condition += f" AND #e.#c IN ({', '.join(f':c{n}' for n in range(len(channels)))})"
        pages = self.client.get_paginator("scan").paginate(
            TableName=self.table,
            Segment=part,
            TotalSegments=parts,
            FilterExpression=condition,
            ProjectionExpression="#e, #a",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        for page in pages:
            for raw in page.get("Items", []):
                item = from_item(raw)
                if with_activity and item.get("last_activity"):
                    yield {**item["endpoint"], LAST_ACTIVITY: item["last_activity"]}
                else:
                    yield item["endpoint"]

    def stored_items(self) -> int:
        """About how many items the table holds, every application's (DescribeTable's ItemCount,
        which DynamoDB refreshes about every six hours): what reading all of `part`'s parts reads."""
        return int(self.client.describe_table(TableName=self.table)["Table"].get("ItemCount", 0))

    def get_many(self, app_id: str, endpoint_ids: Sequence[str]) -> list[Endpoint]:
        """The endpoints that exist among the ids (BatchGetItem, 100 at a time), in no particular order."""
        return [stored.endpoint for stored in self.get_stored_many(app_id, endpoint_ids).values()]

    def get_stored_many(self, app_id: str, endpoint_ids: Sequence[str]) -> dict[str, Stored]:
        """The endpoints that exist among the ids, by id, with their versions: strongly consistent
        BatchGetItem requests of 100 keys."""
        found: dict[str, Stored] = {}
        ids = list(dict.fromkeys(endpoint_ids))
        for start in range(0, len(ids), BATCH_GET_KEYS):
            keys = [{"pk": {"S": endpoint_pk(app_id, i)}} for i in ids[start : start + BATCH_GET_KEYS]]
            for item in batch_get(self.client, self.table, keys, self.backoff):
                stored = _stored(item)
                found[stored.endpoint["Id"]] = stored
        return found

    def user_endpoint_counts(self, app_id: str, users: Sequence[str]) -> dict[str, int]:
        """Each user's endpoint count (0 for a user with none), 100 users per BatchGetItem."""
        counts = dict.fromkeys(users, 0)
        names = list(counts)
        prefix = len(user_pk(app_id, ""))
        for start in range(0, len(names), BATCH_GET_KEYS):
            keys = [{"pk": {"S": user_pk(app_id, u)}} for u in names[start : start + BATCH_GET_KEYS]]
            for item in batch_get(self.client, self.table, keys, self.backoff):
                counts[item["pk"][prefix:]] = int(item.get("endpoint_count", 0))
        return counts

    def registered_names(self, app_id: str) -> dict[str, set[str]]:
        response = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": registry_pk(app_id)}}, ConsistentRead=True
        )
        item = from_item(response.get("Item", {}))
        names = {kind: set(item.get(kind, set())) for kind in ATTRIBUTE_KINDS}
        return {**names, **{REMOVED[kind]: set(item.get(REMOVED[kind], set())) for kind in REMOVED}}

    def remove_names(
        self, app_id: str, kind: str, names: set[str], present: int, expected_total: int
    ) -> None:
        condition = "attribute_not_exists(#total)" if expected_total == 0 else "#total = :expected"
        values: dict[str, Any] = {
            ":names": {"SS": sorted(names)},
            ":minus": {"N": str(-present)},
            ":kind": {"S": "registry"},
        }
        if expected_total:
            values[":expected"] = {"N": str(expected_total)}
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": registry_pk(app_id)}},
                UpdateExpression="DELETE #names :names ADD #removed :names, #total :minus SET #kind = :kind",
                ConditionExpression=condition,
                ExpressionAttributeNames={
                    "#names": kind,
                    "#removed": REMOVED[kind],
                    "#total": "total",
                    "#kind": "kind",
                },
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            raise_conflict(exc, f"the attribute registry of {app_id}")

    # --- writes ------------------------------------------------------------------------------
    def save(self, app_id: str, changes: Sequence[Change], user_limit: int) -> None:
        deltas = user_deltas(changes)
        writes = [self._write(app_id, change) for change in changes]
        try:
            if len(writes) == 1 and not deltas:
                kind, params = writes[0]
                (self.client.put_item if kind == "Put" else self.client.update_item)(**params)
            else:
                counters = [self._count(app_id, user, delta, user_limit) for user, delta in deltas.items()]
                self.client.transact_write_items(TransactItems=[{k: p} for k, p in writes] + counters)
        except ClientError as exc:
            raise_conflict(exc, f"endpoint {changes[0].new['Id']!r} or its user's endpoint count")

    def save_many(self, app_id: str, changes: Sequence[Change], user_limit: int) -> set[str]:
        """Writes many changes (at most one per endpoint) in transactions of up to 100 actions: each
        endpoint's write conditional on the version it was read at, with the endpoint counts of the
        users it joins or leaves in the same transaction (one action per user). A transaction whose
        condition fails writes nothing; the ids of its endpoints are answered, to be read again and
        retried. A transaction of one endpoint and no count is a plain conditional write."""
        conflicted: set[str] = set()
        for group, deltas in _transactions(changes):
            writes = [self._write(app_id, change) for change in group]
            try:
                if len(writes) == 1 and not deltas:
                    kind, params = writes[0]
                    (self.client.put_item if kind == "Put" else self.client.update_item)(**params)
                    continue
                counters = [self._count(app_id, user, delta, user_limit) for user, delta in deltas.items()]
                transact_write(
                    self.client,
                    [{kind: params} for kind, params in writes] + counters,
                    self.backoff,
                    idempotent=True,
                )
            except ClientError as exc:
                if not is_conflict(exc) or not _raced(exc):
                    raise
                conflicted.update(change.new["Id"] for change in group)
        return conflicted

    def delete(self, app_id: str, stored: Stored) -> None:
        endpoint = stored.endpoint
        delete = {
            "TableName": self.table,
            "Key": {"pk": {"S": endpoint_pk(app_id, endpoint["Id"])}},
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": "version"},
            "ExpressionAttributeValues": {":v": {"N": str(stored.version)}},
        }
        user = user_id(endpoint)
        try:
            if user:
                self.client.transact_write_items(
                    TransactItems=[{"Delete": delete}, self._count(app_id, user, -1, user_limit=0)]
                )
            else:
                self.client.delete_item(**delete)
        except ClientError as exc:
            raise_conflict(exc, f"endpoint {endpoint['Id']!r}")

    def register_names(self, app_id: str, new: Mapping[str, set[str]], expected_total: int) -> None:
        names = {f"#{kind}": kind for kind, values in new.items() if values}
        values: dict[str, Any] = {
            f":{kind}": {"SS": sorted(new[kind])} for kind in ATTRIBUTE_KINDS if new.get(kind)
        }
        additions = ", ".join(f"#{kind} :{kind}" for kind in ATTRIBUTE_KINDS if new.get(kind))
        condition = "attribute_not_exists(#total)" if expected_total == 0 else "#total = :expected"
        if expected_total:
            values[":expected"] = {"N": str(expected_total)}
        values[":added"] = {"N": str(sum(len(v) for v in new.values()))}
        values[":kind"] = {"S": "registry"}
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": registry_pk(app_id)}},
                UpdateExpression=f"ADD {additions}, #total :added SET #kind = :kind",
                ConditionExpression=condition,
                ExpressionAttributeNames={**names, "#total": "total", "#kind": "kind"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            raise_conflict(exc, f"the attribute registry of {app_id}")

    # --- internals ---------------------------------------------------------------------------
    def _query(self, index: str, key: str, value: str) -> Iterator[dict[str, Any]]:
        return query_items(
            self.client,
            TableName=self.table,
            IndexName=index,
            KeyConditionExpression="#k = :v",
            ExpressionAttributeNames={"#k": key},
            ExpressionAttributeValues={":v": {"S": value}},
        )

    def _write(self, app_id: str, change: Change) -> tuple[str, dict[str, Any]]:
        """A new endpoint is put; a changed one is updated in place, with a condition on the version
        it was read at, so that what the item holds beside the endpoint (its last activity, kept
        by `touch` without a version) stays."""
        endpoint = change.new
        user = user_id(endpoint)
        fields = {
            "kind": "endpoint",
            "app_id": app_id,
            "version": change.old.version + 1 if change.old else first_version(),
            "endpoint": endpoint,
            "gsi_user": f"{app_id}#{user}" if user else None,
            "gsi_address": f"{app_id}#{address_key(endpoint['ChannelType'], endpoint['Address'])}"
            if endpoint.get("Address")
            else None,
            "gsi_channel": f"{app_id}#{endpoint['ChannelType']}#{channel_shard(endpoint['Id'])}",
        }
        key = {"pk": {"S": endpoint_pk(app_id, endpoint["Id"])}}
        if change.old is None:
            item = {**key, **to_item(fields)}
            return "Put", {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        kept = [n for n, name in names.items() if fields[name] is not None]
        dropped = [n for n, name in names.items() if fields[name] is None]
        expression = "SET " + ", ".join(f"{n} = :f{n[2:]}" for n in kept)
        if dropped:
            expression += " REMOVE " + ", ".join(dropped)
        return "Update", {
            "TableName": self.table,
            "Key": key,
            "UpdateExpression": expression,
            "ConditionExpression": "#read_version = :v",
            "ExpressionAttributeNames": {**names, "#read_version": "version"},
            "ExpressionAttributeValues": {
                **{f":f{n[2:]}": to_value(fields[names[n]]) for n in kept},
                ":v": {"N": str(change.old.version)},
            },
        }

    def touch(self, app_id: str, endpoint_id: str, at: str) -> None:
        """Records the endpoint's latest activity (an ISO 8601 UTC time): a later one replaces an
        earlier one; an endpoint that does not exist gets none."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": endpoint_pk(app_id, endpoint_id)}},
                UpdateExpression="SET #a = :at",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#a) OR #a < :at)",
                ExpressionAttributeNames={"#a": "last_activity"},
                ExpressionAttributeValues={":at": {"S": at}},
            )
        except ClientError as exc:
            if not is_conflict(exc):
                raise

    def _count(self, app_id: str, user: str, delta: int, user_limit: int) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"pk": {"S": user_pk(app_id, user)}},
            "UpdateExpression": "ADD #n :d SET #kind = :kind, #app = :app",
            "ExpressionAttributeNames": {"#n": "endpoint_count", "#kind": "kind", "#app": "app_id"},
            "ExpressionAttributeValues": {
                ":d": {"N": str(delta)},
                ":kind": {"S": "user"},
                ":app": to_value(app_id),
            },
        }
        if delta > 0:  # the user must still have room once this transaction lands
            update["ConditionExpression"] = "attribute_not_exists(#n) OR #n <= :room"
            update["ExpressionAttributeValues"][":room"] = {"N": str(user_limit - delta)}
        return {"Update": update}


def _raced(exc: ClientError) -> bool:
    """Whether a write was refused only because something changed under it (a condition on what
    was read, another transaction), not for what it asked (too large, invalid): only then is it
    read and tried again."""
    reasons = {r.get("Code") for r in exc.response.get("CancellationReasons") or []} - {"None", None}
    return reasons <= {"ConditionalCheckFailed", "TransactionConflict"}


def _transactions(changes: Sequence[Change]) -> Iterator[tuple[list[Change], dict[str, int]]]:
    """The changes packed into transactions of at most 100 actions (endpoint writes and user counts
    together), each with its users' count deltas."""
    group: list[Change] = []
    users: set[str] = set()
    for change in changes:
        before = user_id(change.old.endpoint if change.old else None)
        touched = {u for u in (before, user_id(change.new)) if u}
        if group and len(group) + 1 + len(users | touched) > TRANSACTION_ACTIONS:
            yield group, user_deltas(group)
            group, users = [], set()
        group.append(change)
        users |= touched
    if group:
        yield group, user_deltas(group)


def _stored(item: Mapping[str, Any]) -> Stored:
    return Stored(endpoint=item["endpoint"], version=int(item["version"]))


class DynamoTombstones:
    """When a synced customer's row was deleted at the source (engage.audience.optin_sync), kept beside the
    endpoints so that an older change replayed later can't bring the customer back. The item holds
    the endpoint id and the source's time only; a later tombstone replaces an earlier one."""

    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table, self.client = table_name, client

    def buried_at(self, app_id: str, endpoint_id: str) -> str | None:
        response = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": tombstone_pk(app_id, endpoint_id)}}, ConsistentRead=True
        )
        return response["Item"]["at"]["S"] if "Item" in response else None

    def bury(self, app_id: str, endpoint_id: str, at: str) -> None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item={"pk": {"S": tombstone_pk(app_id, endpoint_id)}, "at": {"S": at}},
                ConditionExpression="attribute_not_exists(pk) OR #at < :at",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={":at": {"S": at}},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":  # a later delete is kept
                raise
