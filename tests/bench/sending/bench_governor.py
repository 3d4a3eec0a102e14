"""The governor's use of an identity's quota, in simulated time (tests/support/send_rate.py): at
each allowed rate, channel calls per second (accepted and transiently failed, 5% of them) over the
rate, beside the rate itself, and the messages lost."""

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
            Figure(f"governor.allowed_rate_{rate}", rate, "messages/s"),
            Figure(f"governor.achieved_over_allowed_at_{rate}", achieved(texts, rate), "of the rate"),
            Figure(f"governor.lost_at_{rate}", lost, "messages"),
        ]
    return figures
