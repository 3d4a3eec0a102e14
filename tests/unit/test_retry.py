import random

from engage.retry import Backoff, is_retryable


def test_throttling_and_transient_codes_are_retryable_and_others_are_not():
    for code in (
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "TooManyRequestsException",
        "KMSThrottlingException",
        "InternalFailure",
        "ServiceUnavailable",
    ):
        assert is_retryable(code)
    for code in ("AccessDeniedException", "ValidationException", "KMSAccessDeniedException", None, ""):
        assert not is_retryable(code)


def test_backoff_grows_exponentially_within_the_cap_with_full_jitter():
    backoff = Backoff(base_seconds=0.1, cap_seconds=1.0, rng=random.Random(7))
    for attempt in range(10):
        ceiling = min(1.0, 0.1 * 2**attempt)
        delays = [backoff.delay(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8, "jitter spreads over the whole window"


def test_wait_sleeps_the_computed_delay():
    slept = []
    Backoff(sleep=slept.append, rng=random.Random(1)).wait(3)
    assert len(slept) == 1
    assert 0 <= slept[0] <= 0.4
