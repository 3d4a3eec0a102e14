"""Retrying what AWS asks us to retry: throttling and transient errors are recognised by their
error code, and retried with capped exponential backoff and full jitter, a bounded number of times.

botocore's standard retry mode already retries whole API calls; this module is for what it cannot
see: the failed *items* of a batch call that itself succeeded (Kinesis PutRecords, DynamoDB
BatchWriteItem, SES bulk sends), and conditional-write races.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Error codes AWS services use for "slow down" and "try again"; the same list botocore's standard
# mode treats as throttling or transient, plus the item-level codes of batch APIs.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "KMSThrottlingException",
        "ThrottlingReasonException",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


def is_retryable(code: str | None) -> bool:
    return code in THROTTLING_CODES or code in TRANSIENT_CODES


@dataclass
class Backoff:
    """Capped exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base*2^n))."""

    base_seconds: float = 0.05
    cap_seconds: float = 5.0
    max_attempts: int = 8
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.cap_seconds, self.base_seconds * (2**attempt)))

    def wait(self, attempt: int) -> None:
        self.sleep(self.delay(attempt))
