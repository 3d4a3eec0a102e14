"""The send queue (SQS): send requests put in batches of ten; entries SQS refuses for a
throttling or transient reason are put again with backoff and jitter."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engage.errors import RetriesExhaustedError
from engage.retry import Backoff, is_retryable

BATCH = 10  # SendMessageBatch's limit


class SendQueue:
    def __init__(self, client: Any, queue_url: str, backoff: Backoff | None = None) -> None:  # boto3 SQS
        self.client = client
        self.queue_url = queue_url
        self.backoff = backoff or Backoff()

    def enqueue(
        self,
        bodies: Sequence[str],
        groups: Sequence[str] | None = None,
        dedup_ids: Sequence[str] | None = None,
        *,
        delay_seconds: int = 0,
    ) -> list[str | None]:
        """The SQS MessageId of each body, in order; None for one SQS would not take. On a FIFO
        queue each body has its message group and deduplication id."""
        ids: list[str | None] = [None] * len(bodies)

        def entry(i: int) -> dict[str, str]:
            fifo = (
                {"MessageGroupId": groups[i], "MessageDeduplicationId": dedup_ids[i]}
                if groups and dedup_ids
                else {}
            )
            delay = {"DelaySeconds": delay_seconds} if delay_seconds else {}
            return {"Id": str(i), "MessageBody": bodies[i], **fifo, **delay}

        for start in range(0, len(bodies), BATCH):
            pending = list(range(start, min(start + BATCH, len(bodies))))
            for attempt in range(self.backoff.max_attempts):
                response = self.client.send_message_batch(
                    QueueUrl=self.queue_url, Entries=[entry(i) for i in pending]
                )
                for done in response.get("Successful", []):
                    ids[int(done["Id"])] = done["MessageId"]
                pending = [int(f["Id"]) for f in response.get("Failed", []) if is_retryable(f.get("Code"))]
                if not pending:
                    break
                if attempt + 1 < self.backoff.max_attempts:
                    self.backoff.wait(attempt)
        return ids


class QueueStarter:
    """Starts work by putting its event on a queue whose consumer does it (the queue's retries and
    DLQ behind it); RetriesExhaustedError when SQS would not take it."""

    def __init__(self, queue: SendQueue, delay_seconds: int = 0) -> None:
        self.queue = queue
        self.delay_seconds = delay_seconds  # for work that must not be seen before its caller is done

    def start(self, event: dict[str, Any]) -> None:
        body = json.dumps(event, separators=(",", ":"))
        if self.queue.enqueue([body], delay_seconds=self.delay_seconds) == [None]:
            raise RetriesExhaustedError("the work could not be queued; try again")


class MessageQueue:
    """A queue that takes one message at a time (SendMessage): an error is raised to the caller,
    whose record fails and comes back."""

    def __init__(self, client: Any, queue_url: str) -> None:  # a boto3 SQS client
        self.client = client
        self.queue_url = queue_url

    def send(self, body: str, delay_seconds: int | None = None) -> None:
        """`delay_seconds` None: the queue's own delay."""
        delay = {} if delay_seconds is None else {"DelaySeconds": delay_seconds}
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=body, **delay)
