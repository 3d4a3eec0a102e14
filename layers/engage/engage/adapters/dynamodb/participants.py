"""Journey participants on DynamoDB (the journeys application's ParticipantsTable).

One item per participant: `pk` = `<application>#<journey>`, `sk` = the participant's key, its state
beside. While it is in the journey the item carries `shard` (its partition of the journey's due
index, spread so that a million participants due in one minute are not one hot index partition) and
`due_at` (journey clock): the `due` index is sparse, holding only participants that will take
another step. Every write names the version it replaces. The journey's clock (seconds spent paused)
is the partition's `#clock` item; the events of the messages each participant was sent (for the
splits' event conditions) are items beside it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code, partition_items, query_items
from engage.journeys.participants import JourneyClock, Participant

SHARDS = 8
DUE_INDEX = "due"
CLOCK = "#clock"
EVENTS = "#event#"  # <participant>#event#<activity>#<event type>: what its messages did


def partition(app_id: str, journey_id: str) -> str:
    return f"{app_id}#{journey_id}"


def shard_of(pk: str, key: str) -> str:
    return f"{pk}#{zlib.crc32(key.encode()) % SHARDS}"


class DynamoParticipants:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def get(self, app_id: str, journey_id: str, key: str) -> Participant | None:
        item = self.client.get_item(
            TableName=self.table,
            Key={"pk": {"S": partition(app_id, journey_id)}, "sk": {"S": key}},
            ConsistentRead=True,
        ).get("Item")
        return _participant(item) if item else None

    def put(self, app_id: str, journey_id: str, participant: Participant) -> bool:
        pk = partition(app_id, journey_id)
        item: dict[str, Any] = {
            "pk": {"S": pk},
            "sk": {"S": participant.key},
            "status": {"S": participant.status},
            "step": {"N": str(participant.step)},
            "entries": {"N": str(participant.entries)},
            "entered_at": {"N": repr(participant.entered_at)},
            "version": {"N": str(participant.version + 1)},
        }
        if participant.activity:
            item["activity"] = {"S": participant.activity}
        if participant.reason:
            item["reason"] = {"S": participant.reason}
        if participant.waited:
            item["waited"] = {"S": participant.waited}
        if participant.in_journey and participant.due_at is not None:
            item["due_at"] = {"N": repr(participant.due_at)}
            item["shard"] = {"S": shard_of(pk, participant.key)}
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(sk)"}
            if participant.version == 0
            else {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(participant.version)}},
            }
        )
        try:
            self.client.put_item(TableName=self.table, Item=item, **condition)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def due(self, app_id: str, journey_id: str, until: float | None, limit: int) -> list[Participant]:
        found: list[Participant] = []
        pk = partition(app_id, journey_id)
        for n in range(SHARDS):
            if len(found) >= limit:
                break
            condition = "shard = :s" + ("" if until is None else " AND due_at <= :u")
            values: dict[str, Any] = {":s": {"S": f"{pk}#{n}"}}
            if until is not None:
                values[":u"] = {"N": repr(until)}
            for page in self.client.get_paginator("query").paginate(
                TableName=self.table,
                IndexName=DUE_INDEX,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
            ):
                found.extend(_participant(item) for item in page.get("Items", []))
                if len(found) >= limit:
                    break
        return found[:limit]

    def next_due(self, app_id: str, journey_id: str, after: float) -> float | None:
        pk = partition(app_id, journey_id)
        earliest: float | None = None
        for n in range(SHARDS):
            items = self.client.query(
                TableName=self.table,
                IndexName=DUE_INDEX,
                KeyConditionExpression="shard = :s AND due_at > :a",
                ExpressionAttributeValues={":s": {"S": f"{pk}#{n}"}, ":a": {"N": repr(after)}},
                Limit=1,
            ).get("Items", [])
            if items:
                due = float(items[0]["due_at"]["N"])
                earliest = due if earliest is None else min(earliest, due)
        return earliest

    def all(self, app_id: str, journey_id: str) -> Iterator[Participant]:
        for item in partition_items(self.client, self.table, partition(app_id, journey_id)):
            if item["sk"] != CLOCK and EVENTS not in item["sk"]:
                yield _from_plain(item)

    def clock(self, app_id: str, journey_id: str) -> JourneyClock:
        item = self.client.get_item(
            TableName=self.table,
            Key={"pk": {"S": partition(app_id, journey_id)}, "sk": {"S": CLOCK}},
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return JourneyClock()
        paused_at = item.get("paused_at")
        return JourneyClock(float(item["paused_seconds"]["N"]), float(paused_at["N"]) if paused_at else None)

    def set_clock(self, app_id: str, journey_id: str, clock: JourneyClock) -> None:
        item: dict[str, Any] = {
            "pk": {"S": partition(app_id, journey_id)},
            "sk": {"S": CLOCK},
            "paused_seconds": {"N": repr(clock.paused_seconds)},
        }
        if clock.paused_at is not None:
            item["paused_at"] = {"N": repr(clock.paused_at)}
        self.client.put_item(TableName=self.table, Item=item)

    def record_event(self, app_id: str, journey_id: str, key: str, activity_id: str, event_type: str) -> None:
        """An event of the message an activity sent the participant (`_email.open`, ...), kept as an
        item of its own beside the participant's, so it never races the participant's writes."""
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": partition(app_id, journey_id)},
                "sk": {"S": f"{key}{EVENTS}{activity_id}#{event_type}"},
            },
        )

    def events_of(self, app_id: str, journey_id: str, key: str, activity_id: str) -> set[str]:
        """The event types of the message `activity_id` sent the participant."""
        prefix = f"{key}{EVENTS}{activity_id}#"
        items = query_items(
            self.client,
            TableName=self.table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": partition(app_id, journey_id)}, ":prefix": {"S": prefix}},
        )
        return {item["sk"][len(prefix) :] for item in items}

    def remove_journey(self, app_id: str, journey_id: str) -> int:
        """Deletes the journey's participants and clock (the journey or its application removed)."""
        removed = 0
        pk = partition(app_id, journey_id)
        for item in query_items(
            self.client,
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ProjectionExpression="sk",
        ):
            self.client.delete_item(TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": item["sk"]}})
            removed += 1
        return removed


def _participant(item: dict[str, Any]) -> Participant:
    def number(name: str) -> float | None:
        return float(item[name]["N"]) if name in item else None

    return Participant(
        key=item["sk"]["S"],
        activity=item["activity"]["S"] if "activity" in item else None,
        status=item["status"]["S"],
        step=int(item["step"]["N"]),
        entries=int(item["entries"]["N"]),
        entered_at=number("entered_at") or 0.0,
        due_at=number("due_at"),
        version=int(item["version"]["N"]),
        reason=item["reason"]["S"] if "reason" in item else None,
        waited=item["waited"]["S"] if "waited" in item else None,
    )


def _from_plain(item: dict[str, Any]) -> Participant:
    return Participant(
        key=item["sk"],
        activity=item.get("activity"),
        status=item["status"],
        step=int(item["step"]),
        entries=int(item["entries"]),
        entered_at=float(item.get("entered_at") or 0),
        due_at=float(item["due_at"]) if item.get("due_at") is not None else None,
        version=int(item["version"]),
        reason=item.get("reason"),
        waited=item.get("waited"),
    )
