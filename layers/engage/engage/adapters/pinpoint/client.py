"""boto3's own pinpoint client, pointed at the Pinpoint-compatible API: requests keep botocore's
Pinpoint wire format and are signed for API Gateway (`execute-api`), whose IAM authorization checks
them. botocore takes the signing name from the request context, which a `before-call` handler sets
for every operation of this client only."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from engage.adapters.clients import new_session

API_GATEWAY_SIGNING_NAME = "execute-api"


def _sign_for_api_gateway(context: dict[str, Any], **_: Any) -> None:
    context.setdefault("signing", {})["signing_name"] = API_GATEWAY_SIGNING_NAME


def pinpoint_client(
    endpoint_url: str,
    region_name: str | None = None,
    session: boto3.session.Session | None = None,
    config: Config | None = None,
) -> Any:
    """`boto3.client("pinpoint")` for the engage API at `endpoint_url` (the stack's PinpointApiUrl
    output; on the local stack, its API URL)."""
    client = (session or new_session()).client(
        "pinpoint",
        endpoint_url=endpoint_url,
        region_name=region_name,
        config=config or Config(retries={"mode": "standard", "total_max_attempts": 5}),
    )
    client.meta.events.register("before-call.pinpoint.*", _sign_for_api_gateway)
    return client
