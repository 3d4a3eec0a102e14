"""The send governor (engage.sending.governor) on the in-memory bucket store."""

import pytest

from tests.support.fakes import MemoryBuckets
from tests.support.governor_cases import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_the_governor(case):
    case(MemoryBuckets())


@pytest.mark.parametrize("rate", [1, 3, 14, 19, 20, 50, 100, 1000])
def test_limits_within_a_rate_use_the_rate_and_burst_at_most_a_tenth_of_a_second(rate):
    """Simulates a sender taking tokens as fast as it may for ten seconds: it gets the whole rate,
    and no one-second window sees more than the rate plus the bucket (a tenth of a second's worth)."""
    from engage.retry import Backoff
    from engage.sending.governor import Governor, within

    limits = within(rate)
    governor = Governor(MemoryBuckets(), lambda _i: limits, Backoff(sleep=lambda _s: None))
    sent, now = [], 0.0
    while now < 10:
        sent += [now] * governor.take("id", 10_000, now)
        now += 0.001
    worst = max(sum(1 for t in sent if start <= t < start + 1 - 1e-5) for start in sent)
    assert worst <= rate + limits.burst and len(sent) >= 0.99 * rate * 10
    assert limits.rate == rate and limits.burst == max(1, rate // 10)
