"""A campaign backlog in simulated time (no wall clock): send requests on a simulated SQS queue
(visibility timeout, receive counts, a redrive to a DLQ after maxReceiveCount, per-message delays)
consumed by the real queue consumer (engage.sending.queued) and sender, against one SMS
identity's quota, with every visible message received at once as Lambda's pollers do under load.
Used by the unit test of the backlog and by `make bench`."""

from __future__ import annotations

import contextlib
import types
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage import clock as engage_clock
from engage.sending import queued
from engage.sending.request import SendRequest

from tests.support.send_rate import Clock, sms_sender

APP = "backlogapp"
IDENTITY = "+18005550100"


@dataclass
class Message:
    message_id: str
    body: str
    visible_at: float
    receives: int = 0


@dataclass
class SimulatedQueue:
    """An SQS standard queue in simulated time."""

    clock: Clock
    visibility_timeout: float
    max_receive_count: int
    messages: dict[str, Message] = field(default_factory=dict)
    dead_letters: list[Message] = field(default_factory=list)
    sent_messages: int = 0

    def enqueue(self, bodies: Sequence[str], *, delay_seconds: int = 0) -> list[str | None]:
        ids = []
        for body in bodies:
            self.sent_messages += 1
            message_id = f"m-{self.sent_messages}"
            self.messages[message_id] = Message(message_id, body, self.clock() + delay_seconds)
            ids.append(message_id)
        return ids

    def receive_visible(self) -> list[Message]:
        """Every visible message (each receive counted; past maxReceiveCount, the DLQ instead)."""
        now, received = self.clock(), []
        for message in sorted(self.messages.values(), key=lambda m: (m.visible_at, m.message_id)):
            if message.visible_at > now:
                continue
            if message.receives >= self.max_receive_count:
                self.dead_letters.append(self.messages.pop(message.message_id))
                continue
            message.receives += 1
            message.visible_at = now + self.visibility_timeout
            received.append(message)
        return received

    def next_visible(self) -> float | None:
        return min((m.visible_at for m in self.messages.values()), default=None)


class Texts:
    """An SMS channel that accepts every call at once (in simulated time)."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    def send_text(self, destination, body, message_type="", context=None, origination=None) -> str:
        self.sent[destination] += 1
        return f"sms-{sum(self.sent.values())}"


class Context:
    def __init__(self, clock: Clock, ends_at: float) -> None:
        self.clock, self.ends_at = clock, ends_at

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.ends_at - self.clock()) * 1000)


class _Quiet:
    """Metrics and a logger that keep nothing (a simulated backlog logs every held send)."""

    def __getattr__(self, _name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


@contextlib.contextmanager
def simulated(clock: Clock) -> Iterator[None]:
    """The layer's clock (engage.clock.time) reads the simulated one; the consumer's metrics and
    logs go nowhere."""
    system, logger, metrics = engage_clock._system, queued.logger, queued.metrics
    engage_clock._system = types.SimpleNamespace(time=clock)
    queued.logger = queued.metrics = _Quiet()
    try:
        yield
    finally:
        engage_clock._system, queued.logger, queued.metrics = system, logger, metrics


@dataclass(frozen=True)
class Backlog:
    messages: int
    sent: int
    duplicated: int
    dead_letters: int
    simulated_seconds: float
    queue_messages: int  # messages SQS was sent (the campaign's and every hold's)


def run(
    rate: float = 10,
    visibility_timeout: float = 30,
    times: int = 20,
    batch_size: int = 50,
    timeout: float = 60,
    max_receive_count: int = 10,
) -> Backlog:
    """A campaign of `times` x (rate x visibility timeout) SMS, sent at `rate` a second."""
    clock = Clock()
    count = int(times * rate * visibility_timeout)
    queue = SimulatedQueue(clock, visibility_timeout, max_receive_count)
    texts = Texts()
    sender = sms_sender(clock, rate, count, texts, APP)
    holding = queued.Holding(queue)
    campaign = [
        SendRequest(APP, "c-1", "SMS", {"Body": "Hi"}, endpoint_id=f"ep-{i}", activity_id="run-1")
        for i in range(count)
    ]
    queue.enqueue([request.to_body() for request in campaign])
    started = clock()
    with simulated(clock):
        while queue.messages:
            received = queue.receive_visible()
            if not received:
                next_visible = queue.next_visible()
                if next_visible is not None:
                    clock.now = max(clock.now, next_visible)
                continue
            # Every batch of a round runs within the same invocation window, as concurrent
            # invocations do: the rate's tokens in that window are all there is to share.
            ends_at = clock() + timeout
            for start in range(0, len(received), batch_size):
                batch = received[start : start + batch_size]
                records = [_record(m) for m in batch]
                results = queued.send_records(records, sender, Context(clock, ends_at), holding)
                for message in batch:
                    if results[message.message_id].error is None:
                        queue.messages.pop(message.message_id, None)
    duplicated = sum(n - 1 for n in texts.sent.values() if n > 1)
    return Backlog(
        count, len(texts.sent), duplicated, len(queue.dead_letters), clock() - started, queue.sent_messages
    )


def _record(message: Message) -> SQSRecord:
    return SQSRecord(
        {
            "messageId": message.message_id,
            "receiptHandle": message.message_id,
            "body": message.body,
            "attributes": {"ApproximateReceiveCount": str(message.receives)},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
        }
    )
