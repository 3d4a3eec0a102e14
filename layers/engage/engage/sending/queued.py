"""Sending what a send queue delivered: each record parsed as a send request (a malformed one
fails alone), the batch settled by the sender before the Lambda's deadline, every result counted
in the metrics. Shared by the send queue's consumer and the SMS drops' FIFO consumer.

A send held back (no room in the rate before the deadline, or the channel paused sending) is put
back on the queue as a new message, delayed until there should be room (at most SQS's 15 minutes),
carrying the same ledger key and when it was first held; its record is then done. Returning it as a
failure instead would cost one of its receives each time, and a backlog longer than the queue's
receives times its visibility timeout would end in the DLQ unsent. A send held because the channel
paused is given up after `max_paused_seconds` (NOT_SENT, with the reason). On a FIFO queue (no
per-message delay) held sends come back as failures."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from engage import clock
from engage.errors import EngageError, HeldError
from engage.obs import logger, metrics
from engage.sending.ledger import Status
from engage.sending.request import SendRequest, parse_request
from engage.sending.sender import Sender, SendResult

# Stop starting sends this long before the function's timeout: what is left comes back from the queue.
SAFETY_SECONDS = 10.0
MAX_DELAY_SECONDS = 900  # SQS's longest DelaySeconds
DEFAULT_MAX_PAUSED_SECONDS = 24 * 3600.0
METRIC = {
    Status.SENT: "MessagesSent",
    Status.REFUSED: "MessagesRefused",
    Status.UNCERTAIN: "MessagesUncertain",
    Status.HANDED_OVER: "MessagesHandedOver",
}


class DelayQueue(Protocol):
    def enqueue(self, bodies: Sequence[str], *, delay_seconds: int = 0) -> list[str | None]:
        """The queue's message id of each body (None for one it would not take)."""
        ...


@dataclass(frozen=True)
class Holding:
    """Where held sends wait: the send queue itself, delayed."""

    queue: DelayQueue
    max_paused_seconds: float = DEFAULT_MAX_PAUSED_SECONDS

    def hold(self, results: dict[str, SendResult], sender: Sender) -> dict[str, SendResult]:
        """The results, with each held send put back on the queue (or given up, past the limit)."""
        now = clock.time()
        later: dict[str, tuple[SendRequest, float]] = {}
        for message_id, result in results.items():
            error = result.error
            if not isinstance(error, HeldError) or result.outcome is not None or result.request is None:
                continue
            since = result.request.held_since or now
            if error.paused and now - since >= self.max_paused_seconds:
                hours = self.max_paused_seconds / 3600
                results[message_id] = sender.give_up(
                    result.request, "NOT_SENT", f"held {hours:g} h and the channel is still paused: {error}"
                )
                continue
            # No allowance left today (an infinite wait): look again after SQS's longest delay.
            wait = error.retry_after if math.isfinite(error.retry_after) else MAX_DELAY_SECONDS
            until = now + wait
            later[message_id] = (replace(result.request, held_since=since, held_until=until), until)
        results.update(self.put_back(later, now))
        return results

    def not_yet(self, requests: dict[str, SendRequest], now: float) -> dict[str, SendResult]:
        """Requests whose place in the line is still ahead (a hold longer than SQS's longest
        delay), put back until then without a send."""
        waiting = {
            message_id: (request, request.held_until)
            for message_id, request in requests.items()
            if request.held_until is not None and request.held_until > now + 1
        }
        return self.put_back(waiting, now)

    def put_back(self, held: dict[str, tuple[SendRequest, float]], now: float) -> dict[str, SendResult]:
        """Each request back on the queue, delayed until its time (at most 15 minutes); the ones the
        queue would not take are left out, so their records come back as failures."""
        by_delay: dict[int, list[tuple[str, SendRequest]]] = defaultdict(list)
        for message_id, (request, until) in held.items():
            by_delay[max(1, min(MAX_DELAY_SECONDS, math.ceil(until - now)))].append((message_id, request))
        done: dict[str, SendResult] = {}
        for delay, batch in by_delay.items():
            queued = self.queue.enqueue([request.to_body() for _id, request in batch], delay_seconds=delay)
            for (message_id, request), new_id in zip(batch, queued, strict=True):
                if new_id is not None:
                    done[message_id] = SendResult(request, held=True)
        return done


def send_records(
    records: Sequence[SQSRecord], sender: Sender, context: Any, holding: Holding | None = None
) -> dict[str, SendResult]:
    """Each record's result, by SQS message id; a result with an `error` must come back."""
    parsed, results = {}, {}
    for record in records:
        try:
            parsed[record.message_id] = parse_request(record.body)
        except EngageError as exc:
            logger.error("malformed send request", extra={"message_id": record.message_id, "error": str(exc)})
            results[record.message_id] = SendResult(None, error=exc)  # type: ignore[arg-type]
    if holding is not None:  # held sends whose time has not come go straight back
        for message_id, result in holding.not_yet(parsed, clock.time()).items():
            results[message_id] = result
            del parsed[message_id]
    deadline = clock.time() + context.get_remaining_time_in_millis() / 1000 - SAFETY_SECONDS
    message_ids = {id(request): message_id for message_id, request in parsed.items()}
    for result in sender.send_batch(list(parsed.values()), deadline):
        results[message_ids[id(result.request)]] = result
    if holding is not None:
        results = holding.hold(results, sender)
    for result in results.values():
        _count(result)
    return results


def raise_failure(results: dict[str, SendResult]) -> Any:
    """A record handler for Powertools' batch processing: fails the records whose send failed."""

    def settle(record: SQSRecord) -> None:
        error = results[record.message_id].error
        if error is not None:
            raise error

    return settle


def _count(result: SendResult) -> None:
    if result.held:
        metrics.add_metric(name="MessagesHeld", unit="Count", value=1)
    elif result.error is not None:  # counted when the redelivery settles it
        metrics.add_metric(name="SendsFailed", unit="Count", value=1)
        logger.warning(
            "send request failed; it comes back from the queue",
            extra={
                "send_key": result.request.key if result.request else None,
                "error": f"{type(result.error).__name__}: {result.error}",
            },
        )
    elif result.skipped:
        metrics.add_metric(name="MessagesSkipped", unit="Count", value=1)
    elif not result.outcome.duplicate:
        metrics.add_metric(name=METRIC[result.outcome.status], unit="Count", value=1)
    else:
        metrics.add_metric(name="DuplicateDeliveries", unit="Count", value=1)
