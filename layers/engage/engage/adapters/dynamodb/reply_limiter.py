"""How often auto-reply has answered a sender today, on DynamoDB (AutoReplyTable): one counter per
sender and UTC day, raised by a conditional update that fails at the limit (so concurrent
invocations cannot overshoot it) and expiring two days later. The sender is kept as a SHA-256 of
the lower-cased address, never in clear."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from engage import clock
from engage.adapters.dynamodb import error_code

KEEP_SECONDS = 2 * 24 * 3600


class DynamoReplyLimiter:
    def __init__(self, table: str, client: Any, limit: int, clock: Callable[[], float] = clock.time) -> None:
        self.table, self.client, self.limit, self.clock = table, client, limit, clock

    def take(self, sender: str) -> bool:
        """Counts an answer to `sender` today; False (nothing counted) once the limit is reached."""
        now = self.clock()
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": self._key(sender, now)}},
                UpdateExpression="ADD answered :one SET expires_at = :expires",
                ConditionExpression="attribute_not_exists(answered) OR answered < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(self.limit)},
                    ":expires": {"N": str(int(now) + KEEP_SECONDS)},
                },
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def give_back(self, sender: str) -> None:
        """Uncounts an answer that was not sent (today's counter, never below zero)."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": self._key(sender, self.clock())}},
                UpdateExpression="ADD answered :minus",
                ConditionExpression="answered > :zero",
                ExpressionAttributeValues={":minus": {"N": "-1"}, ":zero": {"N": "0"}},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    @staticmethod
    def _key(sender: str, now: float) -> str:
        day = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d")
        return f"{hashlib.sha256(sender.strip().lower().encode()).hexdigest()}#{day}"
