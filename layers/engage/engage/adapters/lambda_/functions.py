"""Invoking Lambda functions: asynchronously (InvocationType Event: Lambda queues the event and
retries it, and the function's EventInvokeConfig decides where a final failure goes), and
synchronously for campaign hooks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code
from engage.campaigns.hooks import HookFailedError
from engage.errors import EngageError, NotFoundError, ValidationError


class AsyncStarter:
    def __init__(self, client: Any, function_name: str) -> None:  # a boto3 Lambda client
        self.client = client
        self.function_name = function_name

    def start(self, event: dict[str, Any]) -> None:
        self.client.invoke(
            FunctionName=self.function_name, InvocationType="Event", Payload=json.dumps(event).encode()
        )


class LambdaHookInvoker:
    """Runs a campaign hook: a synchronous invocation whose answer is parsed; a function error,
    a refusal or an answer that is not JSON is the hook's failure (throttling is retried by
    botocore's standard retry mode first)."""

    def __init__(self, client: Any) -> None:  # a boto3 Lambda client
        self.client = client

    def invoke(self, function: str, payload: Mapping[str, Any]) -> Any:
        try:
            response = self.client.invoke(FunctionName=function, Payload=json.dumps(payload).encode())
        except ClientError as exc:
            raise HookFailedError(f"the hook {function} could not be invoked: {error_code(exc)}") from exc
        if response.get("FunctionError"):
            raise HookFailedError(f"the hook {function} failed ({response['FunctionError']})")
        try:
            return json.loads(response["Payload"].read() or b"null")
        except json.JSONDecodeError as exc:
            raise HookFailedError(f"the hook {function} answered something that is not JSON") from exc


class LambdaErasures:
    """Erases a person by running the audience area's erasure function and waiting for its report
    (what `engage erase` runs); its refusal of the request comes back as the same error."""

    def __init__(self, client: Any, function_name: str) -> None:  # a boto3 Lambda client
        self.client = client
        self.function_name = function_name

    def erase(self, request: Mapping[str, Any]) -> dict[str, Any]:
        response = self.client.invoke(
            FunctionName=self.function_name, Payload=json.dumps(dict(request)).encode()
        )
        if response.get("FunctionError"):
            raise EngageError(f"the erasure failed ({response['FunctionError']}); it may be asked again")
        answer = json.loads(response["Payload"].read() or b"null")
        error = answer.get("Error") if isinstance(answer, dict) else None
        if error:
            message = error.get("Message") or "the erasure was refused"
            if error.get("Type") == "NotFoundError":
                raise NotFoundError(message)
            raise ValidationError("erasure", message)
        return answer
