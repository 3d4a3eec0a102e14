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
        Figure("backlog.messages", backlog.messages, "messages (20 x rate x visibility timeout)"),
        Figure("backlog.sent", backlog.sent, "messages"),
        Figure("backlog.duplicated", backlog.duplicated, "messages"),
        Figure("backlog.dead_lettered", backlog.dead_letters, "messages"),
        Figure("backlog.quota_seconds", quota_seconds, "s (messages / rate)"),
        Figure("backlog.took_over_quota", backlog.simulated_seconds / quota_seconds, "of the quota's time"),
        Figure("backlog.queue_messages_per_message", backlog.queue_messages / backlog.messages, "SQS sends"),
    ]
