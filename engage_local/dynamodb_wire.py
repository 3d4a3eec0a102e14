"""DynamoDB's item operations answered by encoding their result as JSON directly.

moto answers every operation through its model-driven serializer, which walks the output shape
member by member; for the item operations (whose results are items of attribute values, already in
the wire's `{"S": ...}` form) that walk was the largest single cost of the local stack's server
(measured: about a sixth of its CPU in the e2e tier). Their results hold only what the wire holds,
so the same JSON comes from `json.dumps`, with a binary value base64-encoded as the serializer
would (tests/unit/test_local_dynamodb_wire.py checks both give the same answer). Errors and every
other operation still go through moto's serializer.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import get_service_model
from moto.dynamodb.responses import DynamoHandler

ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
CONTENT_TYPE = "application/x-amz-json-1.0"

_original_serialized: Callable[..., Any] = DynamoHandler.serialized


def _wire(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not part of an item operation's answer")


@functools.cache
def _members(operation: str) -> frozenset[str]:
    """The members of the operation's output, as botocore's model names them (moto's results may
    hold more, such as DeleteItem's ConsumedCapacityUnits, which the serializer leaves out)."""
    return frozenset(get_service_model("dynamodb").operation_model(operation).output_shape.members)


def encode(operation: str, result: dict[str, Any]) -> str:
    """An item operation's result as the JSON DynamoDB answers: its output's members, absent ones
    left out."""
    members = _members(operation)
    body = {k: v for k, v in result.items() if v is not None and k in members}
    return json.dumps(body, default=_wire, separators=(",", ":"))


def _serialized(self: DynamoHandler, action_result: ActionResult) -> Any:
    result = action_result.result
    operation = self._get_action()
    if isinstance(result, dict) and operation in ITEM_OPERATIONS:
        headers = {"Content-Type": CONTENT_TYPE, **self.response_headers}
        return 200, headers, encode(operation, result)
    return _original_serialized(self, action_result)


def install() -> None:
    DynamoHandler.serialized = _serialized  # type: ignore[method-assign]


def uninstall() -> None:
    DynamoHandler.serialized = _original_serialized  # type: ignore[method-assign]
