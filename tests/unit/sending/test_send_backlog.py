"""A campaign backlog far larger than the quota times the queue's visibility timeout is sent in
full, once each, with nothing in the DLQ (simulated time: tests/support/backlog.py)."""

from dataclasses import replace

import pytest
from engage.errors import HeldError
from engage.sending import queued
from engage.sending.ledger import Status

from tests.support.backlog import SimulatedQueue, run
from tests.support.send_rate import Clock
from tests.unit.sending.test_sender import email, endpoint, reported


def test_a_backlog_of_twenty_visibility_timeouts_of_quota_drains_without_loss():
    backlog = run(rate=10, visibility_timeout=30, times=20)
    assert backlog.messages == 6000
    assert (backlog.sent, backlog.duplicated, backlog.dead_letters) == (6000, 0, 0)
    # At the rate: 600 s of quota, and not much more.
    assert backlog.simulated_seconds < 600 * 1.25, backlog


def _consume(sender, clock, queue, holding, timeout=60):
    """One delivery of everything visible now, as the sender function consumes it."""
    from tests.support.backlog import Context, _record, simulated

    received = queue.receive_visible()
    with simulated(clock):
        results = queued.send_records(
            [_record(m) for m in received], sender, Context(clock, clock() + timeout), holding
        )
    for message in received:
        if results[message.message_id].error is None:
            queue.messages.pop(message.message_id)
    return results


def _paused_sender(clock):
    from tests.unit.sending.test_sender import make

    sender, _ = make(
        [endpoint("p-1")], email_script=[HeldError("SendEmail: SendingPausedException", 900, True)] * 3
    )
    sender.clock = clock
    sender.backoff.sleep = clock.sleep
    return sender


def test_a_paused_channel_holds_the_send_and_gives_it_up_after_the_limit():
    clock = Clock()
    queue = SimulatedQueue(clock, visibility_timeout=30, max_receive_count=2)
    holding = queued.Holding(queue, max_paused_seconds=1800)
    sender = _paused_sender(clock)
    queue.enqueue([email("p-1").to_body()])
    first_held = clock()
    for expected_wait in (900, 900):
        (result,) = _consume(sender, clock, queue, holding).values()
        assert result.held and result.request.held_since == first_held
        (waiting,) = queue.messages.values()
        assert waiting.visible_at == pytest.approx(clock() + expected_wait, abs=1)
        clock.now = waiting.visible_at
    (result,) = _consume(sender, clock, queue, holding).values()
    assert result.outcome.status == Status.REFUSED and result.outcome.reason == "NOT_SENT"
    assert "still paused" in result.outcome.detail and queue.messages == {} and queue.dead_letters == []
    assert len(sender.email.sent) == 0 and sender.ledger.get(email("p-1").key).status == Status.REFUSED
    (event,) = [r for r in reported(sender) if r["attributes"].get("record_status") == "NOT_SENT"]
    assert event["event_type"] == "_email.rejected"


def test_a_send_held_past_sqs_longest_delay_goes_back_without_a_send_until_its_time():
    clock = Clock()
    queue = SimulatedQueue(clock, visibility_timeout=30, max_receive_count=2)
    holding = queued.Holding(queue)
    sender = _paused_sender(clock)
    request = replace(email("p-1"), held_since=clock(), held_until=clock() + 2000)
    queue.enqueue([request.to_body()])
    (result,) = _consume(sender, clock, queue, holding).values()
    assert result.held and sender.email.sent == [] and sender.email.script  # no call was made
    (waiting,) = queue.messages.values()
    assert waiting.visible_at == pytest.approx(clock() + 900, abs=1)


def test_a_held_send_the_queue_would_not_take_comes_back_as_a_failure():
    clock = Clock()

    class Refusing(SimulatedQueue):
        def enqueue(self, bodies, *, delay_seconds=0):
            return [None] * len(bodies) if delay_seconds else super().enqueue(bodies)

    queue = Refusing(clock, visibility_timeout=30, max_receive_count=5)
    sender = _paused_sender(clock)
    queue.enqueue([email("p-1").to_body()])
    (result,) = _consume(sender, clock, queue, queued.Holding(queue)).values()
    assert isinstance(result.error, HeldError) and not result.held and len(queue.messages) == 1


def test_a_send_past_todays_allowance_is_looked_at_again_in_fifteen_minutes():
    from engage.sending.governor import Limits

    from tests.unit.sending.test_sender import make

    clock = Clock()
    sender, _ = make([endpoint("p-1")], limits=Limits(rate=14, burst=1, daily_left=0))
    sender.clock, sender.backoff.sleep = clock, clock.sleep
    queue = SimulatedQueue(clock, visibility_timeout=30, max_receive_count=2)
    queue.enqueue([email("p-1").to_body()])
    (result,) = _consume(sender, clock, queue, queued.Holding(queue)).values()
    assert result.held and result.request.held_until == pytest.approx(clock() + 900, abs=1)
    (waiting,) = queue.messages.values()
    assert waiting.visible_at == pytest.approx(clock() + 900, abs=1) and sender.email.sent == []
