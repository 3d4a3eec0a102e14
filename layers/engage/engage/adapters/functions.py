"""Starting a Lambda function asynchronously (InvocationType Event): Lambda queues the event and
retries it, and the function's EventInvokeConfig decides where a final failure goes."""

from __future__ import annotations

import json
from typing import Any


class AsyncStarter:
    def __init__(self, client: Any, function_name: str) -> None:  # a boto3 Lambda client
        self.client = client
        self.function_name = function_name

    def start(self, event: dict[str, Any]) -> None:
        self.client.invoke(
            FunctionName=self.function_name, InvocationType="Event", Payload=json.dumps(event).encode()
        )
