"""How much of an identity's quota the sender uses, in simulated time (no wall clock): channel calls
per second (accepted plus transiently failed) over the allowed rate, with 5% of calls failing
transiently, and every message settled (none lost)."""

from __future__ import annotations

import pytest
from engage.sending.ledger import Status

from tests.support.send_rate import achieved, run


@pytest.mark.parametrize("rate", [1, 20, 100, 1000])
def test_the_sender_uses_at_least_95_percent_of_the_quota_and_loses_nothing(rate):
    elapsed, results, texts = run(rate)
    assert all(r.outcome is not None and r.outcome.status == Status.SENT for r in results), "none lost"
    assert texts.accepted == len(results) and len(texts.calls) > len(results)  # some failed, were retried
    assert achieved(texts, rate) >= 0.95, f"{achieved(texts, rate):.3f} of {rate}/s"
    assert elapsed <= len(texts.calls) / rate / 0.95 + 1
