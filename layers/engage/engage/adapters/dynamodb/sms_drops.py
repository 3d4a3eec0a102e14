"""SMS drops on DynamoDB (the messaging application's SmsDropsTable): one partition per drop
(`pk` = the drop id), the drop itself at `line` 0 (where the file is, the counts, whether it has
been read and reported) and one item per data row with its result. A queued row's result and the
drop's settled count are written in one transaction, conditional on the row having no result yet,
so a replayed send counts once. Items expire (`expires_at`) after RETENTION_SECONDS."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from botocore.exceptions import ClientError

from engage import clock
from engage.adapters.dynamodb import (
    error_code,
    failed_conditions,
    from_item,
    query_items,
    to_item,
    transact_write,
)
from engage.retry import Backoff
from engage.sms.drop import DropFile, Progress, RowResult

RETENTION_SECONDS = 30 * 86400
MAX_BATCH_ATTEMPTS = 8
RESULT_FIELDS = (
    "status",
    "reason",
    "message_id",
    "number",
    "external_campaign_id",
    "message_type",
    "encoding",
    "parts",
)


class DynamoDropStore:
    def __init__(
        self, table_name: str, client: Any, backoff: Backoff | None = None
    ) -> None:  # boto3 DynamoDB
        self.table = table_name
        self.client = client
        self.backoff = backoff or Backoff()

    def _key(self, drop_id: str, line: int) -> dict[str, Any]:
        return {"pk": {"S": drop_id}, "line": {"N": str(line)}}

    def start(self, drop: DropFile, now: float) -> Progress:
        item = {
            "pk": drop.drop_id,
            "line": 0,
            "bucket": drop.bucket,
            "key": drop.key,
            "version": drop.version or "",
            "started_at": now,
            "expires_at": int(now) + RETENTION_SECONDS,
        }
        try:
            self.client.put_item(
                TableName=self.table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
        found = self.progress(drop.drop_id)
        assert found is not None  # written above or before
        return found

    def record(self, drop_id: str, results: Sequence[RowResult]) -> None:
        requests = [{"PutRequest": {"Item": self._row_item(drop_id, r)}} for r in results]
        for attempt in range(MAX_BATCH_ATTEMPTS):
            if not requests:
                return
            response = self.client.batch_write_item(RequestItems={self.table: requests})
            requests = response.get("UnprocessedItems", {}).get(self.table, [])
            if requests:
                self.backoff.wait(attempt)
        raise RuntimeError(f"DynamoDB left {len(requests)} results of {drop_id} unwritten")

    def finish_reading(
        self, drop_id: str, rows: int, rejected: int, queued: int, file_error: str | None
    ) -> None:
        values = {":rows": rows, ":rejected": rejected, ":queued": queued, ":read": True}
        assignments = "#rows = :rows, rejected = :rejected, queued = :queued, #read = :read"
        if file_error:
            values[":error"] = file_error  # type: ignore[assignment]
            assignments += ", file_error = :error"
        self.client.update_item(
            TableName=self.table,
            Key=self._key(drop_id, 0),
            UpdateExpression=f"SET {assignments}",
            ExpressionAttributeNames={"#rows": "rows", "#read": "read"},
            ExpressionAttributeValues=to_item(values),
        )

    def settle(self, drop_id: str, result: RowResult) -> bool:
        try:
            transact_write(
                self.client,
                [
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": self._row_item(drop_id, result),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": self._key(drop_id, 0),
                            "UpdateExpression": "ADD settled :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ],
                self.backoff,
            )
        except ClientError as exc:
            if failed_conditions(exc) == {0}:
                return False  # settled before: a replayed send
            raise
        return True

    def progress(self, drop_id: str) -> Progress | None:
        item = self.client.get_item(TableName=self.table, Key=self._key(drop_id, 0), ConsistentRead=True).get(
            "Item"
        )
        if not item or "bucket" not in item:  # rows settled for a drop this table never started
            return None
        found = from_item(item)
        return Progress(
            bucket=found["bucket"],
            key=found["key"],
            rows=int(found.get("rows", 0)),
            rejected=int(found.get("rejected", 0)),
            queued=int(found.get("queued", 0)),
            settled=int(found.get("settled", 0)),
            read=bool(found.get("read", False)),
            reported=bool(found.get("reported_at")),
            file_error=found.get("file_error"),
        )

    def results(self, drop_id: str) -> Iterator[RowResult]:
        for item in query_items(
            self.client,
            TableName=self.table,
            ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND line > :header",
            ExpressionAttributeValues={":pk": {"S": drop_id}, ":header": {"N": "0"}},
        ):
            fields = {f: item.get(f, "") for f in RESULT_FIELDS}
            yield RowResult(int(item["line"]), **{**fields, "parts": int(item.get("parts", 0))})

    def reported(self, drop_id: str, now: float) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=self._key(drop_id, 0),
            UpdateExpression="SET reported_at = :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )

    def _row_item(self, drop_id: str, result: RowResult) -> dict[str, Any]:
        fields = {f: getattr(result, f) for f in RESULT_FIELDS if getattr(result, f)}
        expires_at = int(clock.time()) + RETENTION_SECONDS
        return to_item({"pk": drop_id, "line": result.line, **fields, "expires_at": expires_at})
