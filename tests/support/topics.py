"""What an SNS topic of the local stack published, read through an SQS queue subscribed to it:
(notification_type, message) pairs, kept as they arrive."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


class TopicInbox:
    def __init__(self, local_stack: Any, topic_arn: str, queue_name: str) -> None:
        self.sqs = local_stack.client("sqs")
        self.queue = self.sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        local_stack.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def about(self, wanted: Callable[[dict[str, Any]], bool]) -> list[tuple[str, dict[str, Any]]]:
        """Every notification so far whose message `wanted` accepts (reading what has arrived)."""
        for message in self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
            envelope = json.loads(message["Body"])
            kind = envelope["MessageAttributes"]["notification_type"]["Value"]
            self.seen.append((kind, json.loads(envelope["Message"])))
        return [(kind, body) for kind, body in self.seen if wanted(body)]
