"""An application's event stream (PutEventStream): the customer's Kinesis data stream or Firehose
delivery stream that receives the application's events in Pinpoint's event-stream format, and the
IAM role they are written as (assumed, as Pinpoint did)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engage.errors import ValidationError
from engage.roles import is_role_arn

DESTINATION = re.compile(
    r"^arn:aws[a-z-]*:(?:kinesis:[a-z0-9-]+:\d{12}:stream|firehose:[a-z0-9-]+:\d{12}:deliverystream)/[\w.-]{1,128}$"
)


def event_stream(app_id: str, request: Any, now: str, who: str) -> dict[str, Any]:
    """Pinpoint's EventStream for a WriteEventStream request."""
    if not isinstance(request, Mapping):
        raise ValidationError("WriteEventStream", "must be an object")
    destination = request.get("DestinationStreamArn")
    if not isinstance(destination, str) or not DESTINATION.match(destination):
        raise ValidationError(
            "WriteEventStream.DestinationStreamArn",
            "must be a Kinesis data stream's or a Firehose delivery stream's ARN",
        )
    if not is_role_arn(request.get("RoleArn")):
        raise ValidationError("WriteEventStream.RoleArn", "must be an IAM role's ARN")
    return {
        "ApplicationId": app_id,
        "DestinationStreamArn": destination,
        "RoleArn": request["RoleArn"],
        "LastModifiedDate": now,
        "LastUpdatedBy": who,
    }


def destination_service(stream: Mapping[str, Any]) -> str:
    """ "kinesis" or "firehose": what the stream's ARN names."""
    return stream["DestinationStreamArn"].split(":")[2]
