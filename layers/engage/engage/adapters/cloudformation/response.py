"""The answer a Lambda-backed custom resource owes CloudFormation: a PUT of the outcome to the
request's pre-signed ResponseURL. Without it the stack waits for an hour, so every path of a
custom resource's handler ends here, failures included (with their reason)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from typing import Any

MAX_REASON = 1000


def respond(
    event: Mapping[str, Any],
    status: str,
    physical_id: str,
    data: Mapping[str, Any] | None = None,
    reason: str = "",
    timeout: float = 30.0,
) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:MAX_REASON] or f"See the function's log for {event['RequestId']}",
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": dict(data or {}),
        }
    ).encode()
    url = event["ResponseURL"]
    if "://" not in url:  # moto's local CloudFormation hands out host:port/path
        url = f"http://{url}"
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's pre-signed https URL
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
        answer.read()
