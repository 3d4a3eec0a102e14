"""The pixel's queue (SQS, PixelQueue): one hit, one SendMessage, read by the pixel events
consumer. No retries of its own beyond the client's: a hit the queue refuses is answered 503."""

from __future__ import annotations

from typing import Any


class PixelQueue:
    def __init__(self, client: Any, queue_url: str) -> None:  # a boto3 SQS client
        self.client, self.queue_url = client, queue_url

    def put(self, body: str) -> None:
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=body)
