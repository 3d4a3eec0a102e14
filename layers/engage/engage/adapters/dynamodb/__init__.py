"""DynamoDB plumbing shared by the stores: JSON-shaped values to and from DynamoDB's typed form
(floats travel as Decimals), conditional-write failures as ConflictError, paginated queries as
generators."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from engage.errors import ConflictError, RetriesExhaustedError
from engage.retry import Backoff

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
CONFLICT_CODES = frozenset(
    {"ConditionalCheckFailedException", "TransactionCanceledException", "TransactionConflictException"}
)


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, Mapping):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_from_dynamo(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {_from_dynamo(v) for v in value}
    return value


def to_item(values: Mapping[str, Any]) -> dict[str, dict]:
    """A plain dict (None values dropped) as a DynamoDB item."""
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in values.items() if v is not None}


def to_value(value: Any) -> dict:
    return _serializer.serialize(_to_dynamo(value))


def from_item(item: Mapping[str, dict]) -> dict[str, Any]:
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in item.items()}


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def is_conflict(exc: ClientError) -> bool:
    return error_code(exc) in CONFLICT_CODES


RACE_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


def failed_conditions(exc: ClientError) -> set[int]:
    """The positions of the items whose condition failed in a cancelled transaction."""
    reasons = exc.response.get("CancellationReasons") or []
    return {n for n, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"}


def transact_write(
    client: Any, items: list[dict[str, Any]], backoff: Backoff | None = None, idempotent: bool = False
) -> None:
    """TransactWriteItems, tried again (capped exponential backoff, full jitter) while it is
    cancelled only by other transactions on the same items or by throttling, which DynamoDB does
    under concurrent writers (botocore does not retry a cancelled transaction). A failed condition
    is raised to the caller as the ClientError (see `failed_conditions`). `idempotent` gives each
    attempt a ClientRequestToken, so that botocore's retry of an attempt that landed unseen (a lost
    answer) writes nothing twice; an attempt after a cancellation is a new request with a new one."""
    backoff = backoff or Backoff()
    for attempt in range(backoff.max_attempts):
        extra = {"ClientRequestToken": str(uuid.uuid4())} if idempotent else {}
        try:
            client.transact_write_items(TransactItems=items, **extra)
            return
        except ClientError as exc:
            reasons = {r.get("Code") for r in exc.response.get("CancellationReasons") or []} - {"None", None}
            raced = error_code(exc) == "TransactionConflictException" or (
                error_code(exc) == "TransactionCanceledException" and reasons and reasons <= RACE_REASONS
            )
            if not raced or attempt + 1 >= backoff.max_attempts:
                raise
            backoff.wait(attempt)


def raise_conflict(exc: ClientError, what: str) -> None:
    """Re-raises a lost conditional write as ConflictError; anything else propagates unchanged."""
    if is_conflict(exc):
        raise ConflictError(f"{what} changed concurrently") from exc
    raise exc


def query_items(client: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a Query returns, page by page, as plain dicts."""
    for page in client.get_paginator("query").paginate(**kwargs):
        for item in page.get("Items", []):
            yield from_item(item)


def partition_items(client: Any, table: str, pk: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of one partition (`pk`), strongly consistent, as plain dicts."""
    return query_items(
        client,
        TableName=table,
        ConsistentRead=True,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        **kwargs,
    )


def scan_items(client: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item a Scan returns, page by page, as plain dicts."""
    for page in client.get_paginator("scan").paginate(**kwargs):
        for item in page.get("Items", []):
            yield from_item(item)


MAX_BATCH_ATTEMPTS = 8


def batch_get(client: Any, table: str, keys: list[dict[str, Any]], backoff: Backoff) -> list[dict[str, Any]]:
    """The items that exist among up to 100 keys (BatchGetItem, strongly consistent), as plain
    dicts in no particular order; unprocessed keys are retried with backoff, a bounded number of
    times."""
    items: list[dict[str, Any]] = []
    for attempt in range(MAX_BATCH_ATTEMPTS):
        if not keys:
            return items
        if attempt:
            backoff.wait(attempt)
        response = client.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
        items.extend(from_item(item) for item in response["Responses"].get(table, []))
        keys = response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    if not keys:
        return items
    raise RetriesExhaustedError(f"{len(keys)} reads from {table} stayed unprocessed")


def batch_delete(client: Any, table: str, keys: list[dict[str, Any]], backoff: Backoff) -> None:
    """Deletes items by key, 25 per BatchWriteItem; unprocessed ones are retried with backoff, a
    bounded number of times (RetriesExhaustedError names how many are left)."""
    for start in range(0, len(keys), 25):
        pending = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]
        for attempt in range(MAX_BATCH_ATTEMPTS):
            if attempt:
                backoff.wait(attempt)
            response = client.batch_write_item(RequestItems={table: pending})
            pending = (response.get("UnprocessedItems") or {}).get(table) or []
            if not pending:
                break
        else:
            raise RetriesExhaustedError(f"{len(pending)} deletes in {table} stayed unprocessed", pending)


def set_tags(
    client: Any, table: str, key: Mapping[str, Any], attribute: str, tags: Mapping[str, str], what: str
) -> None:
    """Replaces the tags of the document held in `attribute` (`None`: on the item itself), in place:
    no new version, as TagResource makes none. NotFoundError when there is no such item."""
    from engage.errors import NotFoundError

    path = "#d.tags" if attribute else "tags"
    request: dict[str, Any] = {
        "TableName": table,
        "Key": {k: {"S": v} for k, v in key.items()},
        "UpdateExpression": f"SET {path} = :t",
        "ConditionExpression": "attribute_exists(pk)",
        "ExpressionAttributeValues": {":t": to_value(dict(tags))},
    }
    if attribute:
        request["ExpressionAttributeNames"] = {"#d": attribute}
    try:
        client.update_item(**request)
    except ClientError as exc:
        if is_conflict(exc):
            raise NotFoundError(f"{what} does not exist") from None
        raise
