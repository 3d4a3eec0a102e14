"""Per-endpoint caps on DynamoDB (the messaging application's SendsTable, beside the ledger):
`pk` = `<app>#CAP#<scope>#<endpoint>` with `sent` (epoch seconds of the sends within the scope's
longest window),
`total` and a version `v`; `pk` = `<send key>#CAPPED` marks a send that was counted. One
transaction writes the marker and every scope's new count, each conditioned on the version read, so
concurrent senders never count past a cap and a redelivered send is counted once."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import failed_conditions, from_item, to_item, transact_write
from engage.errors import RetriesExhaustedError
from engage.sending.caps import WINDOW_SECONDS, Caps, Count, Scope, allows, counted

MARKER_SECONDS = 30 * 86400  # as long as the ledger keeps the send
MAX_RACES = 8


def cap_key(app_id: str, scope: Scope, endpoint_id: str) -> str:
    return f"{app_id}#CAP#{scope.name}#{endpoint_id}"


class DynamoCaps:
    def __init__(self, table_name: str, client: Any) -> None:  # a boto3 DynamoDB client
        self.table = table_name
        self.client = client

    def allows(self, caps: Caps, now: float) -> bool:
        counts = self._read([cap_key(caps.app_id, s, caps.endpoint_id) for s in caps.scopes])
        return all(allows(s, counts[i][0], now) for i, s in enumerate(caps.scopes))

    def take(self, caps: Caps, key: str, now: float) -> bool:
        marker = f"{key}#CAPPED"
        keys = [cap_key(caps.app_id, s, caps.endpoint_id) for s in caps.scopes]
        for _race in range(MAX_RACES):
            found = self._read([marker, *keys])
            if found[0][1] is not None:  # this send was counted before
                return True
            counts = found[1:]
            if not all(allows(s, counts[i][0], now) for i, s in enumerate(caps.scopes)):
                return False
            items: list[dict[str, Any]] = [
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item({"pk": marker, "expires_at": int(now) + MARKER_SECONDS}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            ]
            for scope, pk, (count, version) in zip(caps.scopes, keys, counts, strict=True):
                items.append({"Put": self._put(scope, pk, counted(count, now, scope.window), version, now)})
            try:
                transact_write(self.client, items)
                return True
            except ClientError as exc:
                if not failed_conditions(exc):
                    raise
                # The marker's condition: counted meanwhile (read again, answered above); a count's:
                # another send counted first (read again and decide on the new count).
        raise RetriesExhaustedError(f"the caps of {key} kept changing under {MAX_RACES} attempts")

    def _read(self, keys: list[str]) -> list[tuple[Count, int | None]]:
        """Each key's count and version (None: no item), read consistently."""
        if not keys:
            return []
        answer = self.client.transact_get_items(
            TransactItems=[{"Get": {"TableName": self.table, "Key": {"pk": {"S": k}}}} for k in keys]
        )
        found = []
        for response in answer["Responses"]:
            item = response.get("Item")
            if not item:
                found.append((Count(), None))
                continue
            values = from_item(item)
            sent = tuple(float(t) for t in values.get("sent") or ())
            found.append((Count(sent, int(values.get("total", 0))), int(values.get("v", 0))))
        return found

    def _put(self, scope: Scope, pk: str, count: Count, version: int | None, now: float) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": pk,
            "sent": list(count.sent),
            "total": count.total,
            "v": (version or 0) + 1,
        }
        if not scope.total:  # a windowed count means nothing after its window without sends
            item["expires_at"] = int(now + scope.window + WINDOW_SECONDS)
        put: dict[str, Any] = {"TableName": self.table, "Item": to_item(item)}
        if version is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "v = :v"
            put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
        return put
