"""What an SNS topic of the local stack published, read through an SQS queue subscribed to it:
the SNS envelopes as they arrive, our JSON notifications among them as (notification_type, message)
pairs, and plain-text notices (for people) as (subject, message) pairs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.support.policies import let_deliver


class TopicInbox:
    def __init__(self, local_stack: Any, topic_arn: str, queue_name: str) -> None:
        self.sqs = local_stack.client("sqs")
        self.queue = self.sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        arn = let_deliver(self.sqs, self.queue, topic_arn)  # as a subscribed queue needs on AWS
        local_stack.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
        self.envelopes: list[dict[str, Any]] = []

    def _drain(self) -> None:
        for message in self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
            self.envelopes.append(json.loads(message["Body"]))

    def about(self, wanted: Callable[[dict[str, Any]], bool]) -> list[tuple[str, dict[str, Any]]]:
        """Every notification so far whose message `wanted` accepts (reading what has arrived)."""
        self._drain()
        typed = [
            (e["MessageAttributes"]["notification_type"]["Value"], json.loads(e["Message"]))
            for e in self.envelopes
            if "notification_type" in e.get("MessageAttributes", {})
        ]
        return [(kind, body) for kind, body in typed if wanted(body)]

    def notices(self, wanted: Callable[[str, str], bool]) -> list[tuple[str, str]]:
        """Every plain-text notice so far, as (subject, message), that `wanted` accepts."""
        self._drain()
        pairs = [(e.get("Subject") or "", e["Message"]) for e in self.envelopes]
        return [(subject, message) for subject, message in pairs if wanted(subject, message)]
