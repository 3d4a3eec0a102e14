"""The API's side of direct sends: the Pinpoint-compatible API invokes the direct send function
synchronously ({"Operation", "ApplicationId", "Request"}, engage.sending.direct.run_direct_send)
and answers what it answered, or its Pinpoint error. The function lives beside the sender, with the
channels' permissions; the API holds none of them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code
from engage.errors import EngageError, RetriesExhaustedError

DIRECT_SEND_WAIT_SECONDS = 25  # longer than the direct send function's timeout (20 s)


class RemoteError(EngageError):
    """A Pinpoint error the direct send function answered, passed on as it was."""

    def __init__(self, pinpoint_type: str, message: str) -> None:
        super().__init__(message)
        self.pinpoint_type = pinpoint_type


class LambdaDirectSends:
    """The API's side: SendMessages and SendUsersMessages, answered by the direct send function."""

    def __init__(self, lambda_client: Any, function_name: str) -> None:
        self.client = lambda_client
        self.function_name = function_name

    def send_messages(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        return self._call("SendMessages", app_id, request)

    def send_users_messages(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        return self._call("SendUsersMessages", app_id, request)

    def _call(self, operation: str, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        event = {"Operation": operation, "ApplicationId": app_id, "Request": request}
        try:
            response = self.client.invoke(FunctionName=self.function_name, Payload=json.dumps(event).encode())
        except ClientError as exc:
            code = error_code(exc)
            if code in ("TooManyRequestsException", "ThrottlingException"):
                raise RetriesExhaustedError("the direct send function is busy; send again later") from exc
            raise
        answer = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError") or not isinstance(answer, Mapping):
            # It may have sent some recipients before failing: the caller retries with its TraceId.
            raise EngageError(f"the direct send function failed ({response.get('FunctionError')})")
        if "Error" in answer:
            raise RemoteError(answer["Error"]["Type"], answer["Error"]["Message"])
        return dict(answer["Response"])
