"""Lambda invocation as the event sources see it: synchronous calls for pollers, and asynchronous
invocation (the Invoke API with InvocationType=Event, SNS, EventBridge, Scheduler, S3) with Lambda's
retries (two by default, EventInvokeConfig's MaximumRetryAttempts and MaximumEventAgeInSeconds),
then the OnSuccess / OnFailure destination or the function's dead-letter queue.

Retry delays are Lambda's shape (growing waits) on a local clock: short by default so tests run in
seconds (`ENGAGE_LOCAL_ASYNC_RETRY_DELAYS`, seconds, comma separated).
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from engage import clock
from engage.adapters.clients import ClientFactory
from moto.awslambda import models as lambda_models
from moto.core import DEFAULT_ACCOUNT_ID

from engage_local.iam.principals import as_role, function_role
from engage_local.runtime import FunctionSpec, Invocation, LambdaRuntime, TooManyRequestsError

log = logging.getLogger("engage_local.invoker")
DEFAULT_RETRIES = 2
DEFAULT_MAX_EVENT_AGE = 6 * 3600


def retry_delays() -> tuple[float, ...]:
    configured = os.environ.get("ENGAGE_LOCAL_ASYNC_RETRY_DELAYS")
    return tuple(float(v) for v in configured.split(",")) if configured else (0.2, 0.5)


def now_iso() -> str:
    """Now on the stack's clock (engage.clock reads it in this process too)."""
    return clock.iso_now()


def find_function(arn_or_name: str) -> lambda_models.LambdaFunction:
    """The emulator's function for an ARN (qualifier ignored) or name."""
    parts = arn_or_name.split(":")
    region = parts[3] if len(parts) > 3 else os.environ.get("AWS_REGION", "us-east-1")
    account = parts[4] if len(parts) > 4 else DEFAULT_ACCOUNT_ID
    name = parts[6] if len(parts) > 6 else arn_or_name
    return lambda_models.lambda_backends[account][region].get_function(name)


@dataclass(order=True)
class _Pending:
    due: float
    order: int
    function_arn: str = field(compare=False)
    event: Any = field(compare=False)
    attempt: int = field(compare=False, default=0)
    first_seen: float = field(compare=False, default_factory=time.time)
    request_id: str = field(compare=False, default_factory=lambda: str(uuid.uuid4()))


class Invoker:
    """Runs functions for the event sources, synchronously or asynchronously."""

    def __init__(
        self, runtime: LambdaRuntime, spec_of: Any, clients: ClientFactory, workers: int = 4
    ) -> None:
        self.runtime = runtime
        self.spec_of = spec_of  # LambdaFunction -> FunctionSpec
        self.clients = clients
        self._queue: list[_Pending] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._active = 0
        self._threads = [
            threading.Thread(target=self._work, name=f"async-invoke-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    # --- synchronous ---------------------------------------------------------------------------
    def invoke(self, function_arn: str, event: Any) -> Invocation:
        """A synchronous invocation (what pollers do); throttling comes back as an error invocation."""
        spec: FunctionSpec = self.spec_of(find_function(function_arn))
        try:
            return self.runtime.invoke(spec, event)
        except TooManyRequestsError as exc:
            payload = json.dumps({"errorType": "TooManyRequestsException", "errorMessage": str(exc)})
            return Invocation(payload, "TooManyRequestsException", "", str(uuid.uuid4()), 0.0)

    # --- asynchronous --------------------------------------------------------------------------
    def submit(self, function_arn: str, event: Any) -> str:
        """Queues an asynchronous invocation; returns its request id at once."""
        item = _Pending(time.monotonic(), next(self._order), find_function(function_arn).function_arn, event)
        self._push(item)
        return item.request_id

    def idle(self) -> bool:
        with self._cond:
            return not self._queue and self._active == 0

    def wait_idle(self, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.idle():
                return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def _push(self, item: _Pending) -> None:
        with self._cond:
            heapq.heappush(self._queue, item)
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._queue or self._queue[0].due > time.monotonic()):
                    self._cond.wait(timeout=(self._queue[0].due - time.monotonic()) if self._queue else None)
                if self._stopped:
                    return
                item = heapq.heappop(self._queue)
                self._active += 1
            try:
                self._run(item)
            except Exception:
                log.exception("asynchronous invocation of %s failed to be handled", item.function_arn)
            finally:
                with self._cond:
                    self._active -= 1

    def _run(self, item: _Pending) -> None:
        fn = find_function(item.function_arn)
        config = _invoke_config(fn)
        result = self.invoke(item.function_arn, item.event)
        attempts = item.attempt + 1
        if not result.errored:
            self._destination(
                fn, config.get("DestinationConfig", {}).get("OnSuccess"), item, result, "Success", attempts
            )
            return
        max_retries = int(config.get("MaximumRetryAttempts", DEFAULT_RETRIES))
        max_age = int(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE))
        too_old = time.time() - item.first_seen > max_age
        if item.attempt < max_retries and not too_old:
            delays = retry_delays()
            item.attempt += 1
            item.due = time.monotonic() + delays[min(item.attempt - 1, len(delays) - 1)]
            item.order = next(self._order)
            self._push(item)
            return
        condition = "EventAgeExceeded" if too_old else "RetriesExhausted"
        on_failure = config.get("DestinationConfig", {}).get("OnFailure")
        if on_failure and on_failure.get("Destination"):
            self._destination(fn, on_failure, item, result, condition, attempts)
        elif dead_letter_target(fn):
            self._dead_letter(dead_letter_target(fn), item, result)
        else:
            log.warning(
                "asynchronous event for %s dropped after %d attempts (%s): no destination or DLQ",
                fn.function_name,
                attempts,
                result.error_type,
            )

    def _destination(
        self,
        fn: Any,
        destination: dict | None,
        item: _Pending,
        result: Invocation,
        condition: str,
        attempts: int,
    ) -> None:
        if not destination or not destination.get("Destination"):
            return
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if result.errored:
            response_context["functionError"] = "Unhandled"
        record = {
            "version": "1.0",
            "timestamp": now_iso(),
            "requestContext": {
                "requestId": item.request_id,
                "functionArn": f"{fn.function_arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": item.event,
            "responseContext": response_context,
            "responsePayload": json.loads(result.payload) if result.payload else None,
        }
        detail_type = (
            "Lambda Function Invocation Result - Success"
            if condition == "Success"
            else "Lambda Function Invocation Result - Failure"
        )
        as_function = as_role(self.clients, str(fn.role or "") or None)  # Lambda sends as the function's role
        send_to(as_function, self, destination["Destination"], record, detail_type=detail_type)

    def _dead_letter(self, target: str, item: _Pending, result: Invocation) -> None:
        error = json.loads(result.payload) if result.payload else {}
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": item.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": str(error.get("errorMessage", ""))[:1000]},
        }
        as_function = as_role(self.clients, function_role(item.function_arn))  # as the function's role
        send_to(as_function, self, target, item.event, attributes=attributes)


def _invoke_config(fn: Any) -> dict[str, Any]:
    return fn.event_invoke_config[0].response() if getattr(fn, "event_invoke_config", None) else {}


def dead_letter_target(fn: Any) -> str | None:
    config = (getattr(fn, "cloudformation_properties", None) or {}).get("DeadLetterConfig") or {}
    return config.get("TargetArn")


def send_to(
    clients: ClientFactory,
    invoker: Invoker,
    arn: str,
    document: Any,
    *,
    detail_type: str = "",
    attributes: dict[str, Any] | None = None,
) -> None:
    """Delivers a JSON document to an SQS queue, SNS topic, Lambda function or EventBridge bus."""
    service = arn.split(":")[2]
    body = json.dumps(document, default=str)
    if service == "sqs":  # by its URL, as Lambda does (no sqs:GetQueueUrl)
        queue_url = f"{clients.endpoint_url}/{arn.split(':')[4]}/{arn.split(':')[5]}"
        clients.client("sqs").send_message(
            QueueUrl=queue_url, MessageBody=body, MessageAttributes=attributes or {}
        )
    elif service == "sns":
        clients.client("sns").publish(TopicArn=arn, Message=body, MessageAttributes=attributes or {})
    elif service == "lambda":
        invoker.submit(arn, document)
    elif service == "events":
        clients.client("events").put_events(
            Entries=[{"Source": "lambda", "DetailType": detail_type, "Detail": body, "EventBusName": arn}]
        )
    else:
        raise ValueError(f"unsupported destination {arn}")
