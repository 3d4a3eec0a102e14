"""The governor's use of an identity's quota, in simulated time (tests/support/send_rate.py): at
each allowed rate, channel calls per second (accepted and transiently failed, 5% of them) beside
the rate allowed, and the messages lost beside none."""

from __future__ import annotations

from engage.sending.ledger import Status

from devtools.bench import Figure, size
from tests.support.send_rate import achieved, run


def bench_governor() -> list[Figure]:
    figures = []
    for rate in (1, 20, 100, 1000):
        _elapsed, results, texts = run(rate, size(60 if rate == 1 else 30, 5))
        lost = sum(1 for r in results if r.outcome is None or r.outcome.status != Status.SENT)
        figures += [
            Figure(
                f"governor.achieved_rate_at_{rate}",
                achieved(texts, rate) * rate,
                "messages/s",
                rate,
                "the rate allowed",
            ),
            Figure(f"governor.lost_at_{rate}", lost, "messages", 0, "none may be lost"),
        ]
    return figures
