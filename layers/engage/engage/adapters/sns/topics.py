"""Publishing to an SNS topic: one JSON document per message, with the `notification_type`
attribute subscribers filter on (started, success, failure, approval_requested, ...)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class TopicPublisher:
    def __init__(self, client: Any, topic_arn: str) -> None:  # a boto3 SNS client
        self.client = client
        self.topic_arn = topic_arn

    def publish(self, message: Mapping[str, Any], notification_type: str) -> str:
        return self.client.publish(
            TopicArn=self.topic_arn,
            Message=json.dumps(message, default=str),
            MessageAttributes={"notification_type": {"DataType": "String", "StringValue": notification_type}},
        )["MessageId"]
