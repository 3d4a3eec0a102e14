"""Journey participants on DynamoDB (the journeys application's ParticipantsTable).

One item per participant: `pk` = `<application>#<journey>`, `sk` = the participant's key, its state
beside. While it is in the journey the item carries `shard` (its partition of the journey's due
index, spread so that a million participants due in one minute are not one hot index partition) and
`due_at` (journey clock): the `due` index is sparse, holding only participants that will take
another step. Every write names the version it replaces. The journey's clock (seconds spent paused)
is the partition's `#clock` item; the events of the messages each participant was sent (for the
splits' event conditions) are items beside it.

The journey's counters (engage.journeys.metrics) are items `#m#<run>#<n>`, one number attribute per
counter, spread over COUNTER_SHARDS items per run so that concurrent steps rarely write the same
one; each is added to in the transaction that writes the participant (or keeps the event) it
counts. Its runs are items `#run#<run id>`.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import (
    error_code,
    failed_conditions,
    partition_items,
    query_items,
    transact_write,
)
from engage.journeys.conditions import MessageEvent
from engage.journeys.kpis import EACH_COUNTED, KPI_EVENTS
from engage.journeys.metrics import counter, iso, send_status, summed
from engage.journeys.participants import JourneyClock, Participant

SHARDS = 8
COUNTER_SHARDS = 16
DUE_INDEX = "due"
CLOCK = "#clock"
COUNTERS = "#m#"  # #m#<run>#<n>: the run's counters
DAYS = "#k#"  # #k#<yyyy-mm-dd>#<n>: the day's engagement counts (GetJourneyDateRangeKpi)
RUNS = "#run#"  # #run#<run id>: RunId, Status, CreationTime, LastUpdateTime
# <participant>#event#<activity>#<entry>#<endpoint>#<event type>: what its messages did
EVENTS = "#event#"


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

    def put(
        self, app_id: str, journey_id: str, participant: Participant, counts: Mapping[str, int] | None = None
    ) -> bool:
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
        if participant.run:
            item["run"] = {"S": participant.run}
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
        put = {"TableName": self.table, "Item": item, **condition}
        return self._put_counted(put, pk, participant.run, participant.key, counts or {})

    def add_counts(self, app_id: str, journey_id: str, run: str, counts: Mapping[str, int]) -> None:
        added = {name: n for name, n in counts.items() if n}
        if added:
            sk = f"{COUNTERS}{run}#{random.randrange(COUNTER_SHARDS)}"
            update = self._add(partition(app_id, journey_id), sk, added)
            self.client.update_item(**update)

    def counts(self, app_id: str, journey_id: str, run: str | None = None) -> dict[str, int]:
        items = self._prefixed(app_id, journey_id, f"{COUNTERS}{run}#" if run else COUNTERS)
        return summed({k: int(v) for k, v in item.items() if k not in ("pk", "sk")} for item in items)

    def start_run(self, app_id: str, journey_id: str, run: str, wall: float) -> None:
        at = iso(wall)
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": partition(app_id, journey_id)},
                    "sk": {"S": f"{RUNS}{run}"},
                    "RunId": {"S": run},
                    "Status": {"S": "RUNNING"},
                    "CreationTime": {"S": at},
                    "LastUpdateTime": {"S": at},
                },
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def runs(self, app_id: str, journey_id: str) -> list[dict[str, Any]]:
        items = self._prefixed(app_id, journey_id, RUNS)
        found = [{k: v for k, v in item.items() if k not in ("pk", "sk")} for item in items]
        return sorted(found, key=lambda run: (run["CreationTime"], run["RunId"]))

    def end_runs(self, app_id: str, journey_id: str, status: str, wall: float) -> None:
        pk = partition(app_id, journey_id)
        for run in self.runs(app_id, journey_id):
            if run["Status"] != "RUNNING":
                continue
            try:
                self.client.update_item(
                    TableName=self.table,
                    Key={"pk": {"S": pk}, "sk": {"S": f"{RUNS}{run['RunId']}"}},
                    UpdateExpression="SET #s = :s, LastUpdateTime = :t",
                    ConditionExpression="#s = :running",
                    ExpressionAttributeNames={"#s": "Status"},
                    ExpressionAttributeValues={
                        ":s": {"S": status},
                        ":t": {"S": iso(wall)},
                        ":running": {"S": "RUNNING"},
                    },
                )
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise

    def _add(self, pk: str, sk: str, counts: Mapping[str, int]) -> dict[str, Any]:
        """The update adding `counts` to one counter item."""
        names = {f"#c{i}": name for i, name in enumerate(counts)}
        values = {f":c{i}": {"N": str(n)} for i, n in enumerate(counts.values())}
        return {
            "TableName": self.table,
            "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counts))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def _put_counted(
        self,
        put: dict[str, Any],
        pk: str,
        run: str,
        key: str,
        counts: Mapping[str, int],
        day: tuple[str, Mapping[str, int]] | None = None,
    ) -> bool:
        """The conditional `put`, and `counts` added to one of the run's counter items (by `key`),
        and a day's counts to one of that day's, in the same transaction; False when the put's
        condition failed (nothing written, nothing counted)."""
        shard = zlib.crc32(key.encode()) % COUNTER_SHARDS
        updates = [(f"{COUNTERS}{run}#{shard}", counts)]
        if day is not None:
            updates.append((f"{DAYS}{day[0]}#{shard}", day[1]))
        writes = [
            {"Update": self._add(pk, sk, added)}
            for sk, c in updates
            if (added := {k: n for k, n in c.items() if n})
        ]
        try:
            if not writes:
                self.client.put_item(**put)
                return True
            transact_write(self.client, [{"Put": put}, *writes])
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException" or 0 in failed_conditions(exc):
                return False
            raise
        return True

    def _prefixed(self, app_id: str, journey_id: str, prefix: str, **extra: Any) -> Iterator[dict[str, Any]]:
        """The journey partition's items whose key starts with `prefix`, read consistently."""
        return query_items(
            self.client,
            TableName=self.table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": partition(app_id, journey_id)}, ":prefix": {"S": prefix}},
            **extra,
        )

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
            if not item["sk"].startswith("#") and EVENTS not in item["sk"]:
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

    def record_event(self, app_id: str, event: MessageEvent) -> bool:
        """An event of the message an activity sent the participant (`_email.open`, ...), kept once as
        an item of its own beside the participant's, so it never races the participant's writes; a
        `_journey.send` also counts its outcome on the activity, in the same transaction."""
        pk = partition(app_id, event.journey_id)
        # A message is opened once, but each of its clicks counts (Pinpoint's KPIs): those are kept by id.
        each = f"@{event.event_id}" if event.event_type in EACH_COUNTED and event.event_id else ""
        marker = {
            "TableName": self.table,
            "Item": {
                "pk": {"S": pk},
                "sk": {
                    "S": f"{event.participant}{EVENTS}{event.activity_id}#{event.entry}#"
                    f"{event.endpoint_id}#{event.event_type}{each}"
                },
            },
            "ConditionExpression": "attribute_not_exists(sk)",
        }
        status = send_status(event.event_type)
        counted = {counter(event.activity_id, status): 1} if status else {}
        day = None
        if event.event_type in KPI_EVENTS and event.day:
            day = (event.day, {counter(event.activity_id, event.event_type): 1})
        return self._put_counted(marker, pk, event.run, event.participant, counted, day)

    def day_counts(self, app_id: str, journey_id: str, first: str, last: str) -> dict[str, int]:
        """The engagement counts (`<activity>|<event type>`) of the days `first` to `last`
        (yyyy-mm-dd, both included), summed."""
        items = query_items(
            self.client,
            TableName=self.table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={
                ":pk": {"S": partition(app_id, journey_id)},
                ":first": {"S": f"{DAYS}{first}#"},
                ":last": {"S": f"{DAYS}{last}#~"},
            },
        )
        return summed({k: int(v) for k, v in item.items() if k not in ("pk", "sk")} for item in items)

    def events_of(self, app_id: str, journey_id: str, key: str, entry: int, activity_id: str) -> set[str]:
        """The event types of the message `activity_id` sent the participant in its entry `entry`."""
        prefix = f"{key}{EVENTS}{activity_id}#{entry}#"
        items = self._prefixed(app_id, journey_id, prefix, ProjectionExpression="sk")
        return {item["sk"].rsplit("#", 1)[1].split("@", 1)[0] for item in items}

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
        run=item["run"]["S"] if "run" in item else "",
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
        run=item.get("run") or "",
    )
