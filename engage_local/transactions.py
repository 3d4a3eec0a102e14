"""DynamoDB's TransactWriteItems for the local stack, all-or-nothing as on AWS, undone item by item.

moto keeps a deep copy of every table a transaction names, once per action, to roll back a cancelled
transaction: a transaction of 100 writes into a table of a million endpoints copies it 100 times.
This keeps the original of each item the transaction touches instead, and puts those back when an
action fails. What it refuses, and how, is moto's (the same exceptions, the same cancellation
reasons); the local stack runs it under its one-write-at-a-time lock, so no other write interleaves.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression as condition
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)

ACTIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
MAX_ACTIONS = 100


def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > MAX_ACTIONS:
        raise TooManyTransactionsException()
    originals: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []  # (table, key, item before)
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[Any, Any, Any]] = []
    try:
        errors.extend(_apply(backend, _single(action), targets, originals) for action in transact_items)
    except KeyError as exc:  # an action without its key or table: AWS refuses the request
        _undo(backend, originals)
        raise MockValidationException(f"a transaction's action lacks {exc}") from None
    except BaseException:
        _undo(backend, originals)
        raise
    if any(code is not None for code, _, _ in errors):
        _undo(backend, originals)
        raise TransactionCanceledException(errors)


def _apply(
    backend: Any,
    action: dict[str, Any],
    targets: set[tuple[str, str]],
    originals: list[tuple[str, dict[str, Any], dict[str, Any] | None]],
) -> tuple[Any, Any, Any]:
    """One action: (None, None, None) when it applied, else its cancellation reason."""
    kind, op = next(iter(action.items()))
    if kind not in ACTIONS:
        return ("ValueError", "Unsupported transaction operation", None)
    name = op["TableName"]
    key = _key(backend, name, op) if kind == "Put" else op["Key"]
    target = (str(name), str(dict(sorted(key.items()))))
    if target in targets:  # two actions on one item: the whole request is refused
        raise MultipleTransactionsException()
    targets.add(target)
    try:
        return _write(backend, kind, op, key, originals)
    except MockValidationException:
        raise
    except ConditionalCheckFailed as exc:
        return ("ConditionalCheckFailed", str(exc.message), None)
    except Exception as exc:  # noqa: BLE001 - as moto: any other failure cancels, its name the code
        return (type(exc).__name__, str(exc), None)


def _write(
    backend: Any,
    kind: str,
    op: dict[str, Any],
    key: dict[str, Any],
    originals: list[tuple[str, dict[str, Any], dict[str, Any] | None]],
) -> tuple[Any, Any, Any]:
    name = op["TableName"]
    current = backend.get_item(name, key)
    expression = op.get("ConditionExpression")
    names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    if expression is not None and not condition(expression, names, values).expr(current):
        old = None
        if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
            old = current.to_json()["Attributes"]
        return ("ConditionalCheckFailed", ConditionalCheckFailed().message, old)
    if kind == "ConditionCheck":
        return (None, None, None)
    originals.append((name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
    if kind == "Put":
        backend.put_item(name, op["Item"])
    elif kind == "Delete":
        backend.delete_item(name, key)
    else:
        backend.update_item(
            name,
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=names,
            expression_attribute_values=values,
        )
    return (None, None, None)


def _single(action: dict[str, Any]) -> dict[str, Any]:
    if len(action) > 1:
        raise TransactWriteSingleOpException
    return action


def _key(backend: Any, name: str, op: dict[str, Any]) -> dict[str, Any]:
    table = backend.get_table(name)
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _undo(backend: Any, originals: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> None:
    for name, key, item in reversed(originals):
        if item is None:
            backend.delete_item(name, key)
        else:
            backend.put_item(name, item)
