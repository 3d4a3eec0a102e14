"""A campaign backlog of 20 x (rate x visibility timeout) SMS at a 10/s quota, consumed as Lambda's
pollers do under load, in simulated time (tests/support/backlog.py): sent, duplicated and
dead-lettered messages, the simulated time beside the time the quota needs, and the SQS messages
the holds cost."""

from __future__ import annotations

from devtools.bench import Figure, size
from tests.support.backlog import run

RATE = 10.0
VISIBILITY_TIMEOUT = 360.0  # the stack's default SendVisibilityTimeout


def bench_backlog() -> list[Figure]:
    visibility = size(VISIBILITY_TIMEOUT, 30.0)
    backlog = run(rate=RATE, visibility_timeout=visibility, times=20)
    quota_seconds = backlog.messages / RATE
    return [
        Figure(
            "backlog.sent",
            backlog.sent,
            "messages",
            backlog.messages,
            "the backlog: 20 x rate x visibility timeout, each to be sent",
        ),
        Figure("backlog.duplicated", backlog.duplicated, "messages", 0, "none may be sent twice"),
        Figure("backlog.dead_lettered", backlog.dead_letters, "messages", 0, "none may die in a queue"),
        Figure(
            "backlog.seconds_to_send",
            backlog.simulated_seconds,
            "s",
            quota_seconds,
            "the least the quota allows: messages / rate",
        ),
        Figure(
            "backlog.queue_messages_per_message",
            backlog.queue_messages / backlog.messages,
            "SQS sends",
            1,
            "one: each message queued once, never held",
        ),
    ]
