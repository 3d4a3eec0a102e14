"""The local stack's SQS event source gathers a batch within its batching window as Lambda does:
messages that arrive before the window closes join the batch, and while it waits for them it asks
SQS nothing (it looks at the emulator's memory); a window with nothing more to read closes on time."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from engage.adapters.clients import ClientFactory
from moto import mock_aws

from engage_local.pollers import SqsPoller, unwatch_arrivals, watch_arrivals
from engage_local.runtime import Invocation

REGION = "us-east-1"


class Invoked:
    def __init__(self) -> None:
        self.events: list[dict] = []

    def invoke(self, _function_arn: str, event: dict) -> Invocation:
        self.events.append(event)
        return Invocation("null", None, "", "request", 1.0)


@pytest.fixture
def queue():
    with mock_aws():
        watch_arrivals()
        try:
            clients = ClientFactory(region=REGION)
            sqs = clients.client("sqs")
            url = sqs.create_queue(QueueName="batched")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            yield clients, sqs, url, arn
        finally:
            unwatch_arrivals()


def _poller(clients, arn, window: float) -> tuple[SqsPoller, Invoked, list[int]]:
    esm = SimpleNamespace(
        uuid="0123456789abcdef",
        event_source_arn=arn,
        function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:none",  # no role: as the stack
        batch_size=10,
        max_batch_window=window,
        enabled=True,
        function_response_types=[],
    )
    invoked = Invoked()
    poller = SqsPoller(esm, invoked, clients)  # type: ignore[arg-type]
    receives = [0]
    poller.sqs.meta.events.register(
        "before-call.sqs.ReceiveMessage", lambda **_: receives.__setitem__(0, receives[0] + 1)
    )
    return poller, invoked, receives


def test_messages_arriving_within_the_window_join_the_batch_without_a_receive_per_pause(queue):
    clients, sqs, url, arn = queue
    poller, invoked, receives = _poller(clients, arn, window=1.0)
    sqs.send_message(QueueUrl=url, MessageBody="first")
    later = threading.Timer(0.4, lambda: sqs.send_message(QueueUrl=url, MessageBody="second"))
    later.start()
    began = time.monotonic()
    assert poller._poll_once()
    later.join()
    assert [[r["body"] for r in e["Records"]] for e in invoked.events] == [["first", "second"]]
    assert time.monotonic() - began >= 0.95  # the window ran its course: nothing filled the batch
    # One receive for each message, none while waiting (a receive every 50 ms made twenty).
    assert receives[0] == 2
    assert (
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
        == "0"
    )


def test_without_a_window_a_batch_is_what_is_there_at_once(queue):
    clients, sqs, url, arn = queue
    poller, invoked, receives = _poller(clients, arn, window=0)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)])
    began = time.monotonic()
    assert poller._poll_once()
    assert time.monotonic() - began < 0.5
    assert sorted(r["body"] for r in invoked.events[0]["Records"]) == ["m0", "m1", "m2"]
    assert receives[0] == 1
    assert not poller._poll_once()  # an empty queue: no receive at all
    assert receives[0] == 1
