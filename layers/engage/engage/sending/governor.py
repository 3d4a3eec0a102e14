"""The send governor: a token bucket per sending identity (an SES identity, an SMS origination
identity), shared by every sender through a store, so that all of them together stay under the
identity's rate. Senders take tokens in batches (one conditional write for many messages, not one
per message) and pace their own batch; a bucket holds at most `burst` tokens, so a quiet minute
does not let a flood through later.

Tokens refill at the identity's rate (SES: the account's MaxSendRate; SMS: the origination
identity's messages per second, configured) and never past a daily allowance when there is one (SES:
what is left of Max24HourSend)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from engage.envelopes import json_object
from engage.errors import ConflictError, RetriesExhaustedError, ValidationError
from engage.retry import Backoff

MAX_TAKE_ATTEMPTS = 8
# A token a microsecond short of whole is whole: epoch seconds in a float tell time apart to about a
# quarter of a microsecond, so a refill computed from them can fall short by that much, and a sender
# must not wait for a wait shorter than its clock can tell apart.
EARLY_SECONDS = 1e-6
# How far apart two senders' clock readings may be (one read late under load, or hosts' clocks a
# little apart) and still be one moment to the bucket.
CLOCK_SKEW_SECONDS = 5.0


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated_at: float
    version: int = 0


@dataclass(frozen=True)
class Limits:
    rate: float  # tokens per second
    burst: float  # the bucket's size
    daily_left: float | None = None  # messages the identity may still send today (None: no cap)


class BucketStore(Protocol):
    def read(self, identity: str) -> Bucket | None: ...
    def write(self, identity: str, bucket: Bucket, expected_version: int | None) -> None:
        """Stores the bucket if it is still at `expected_version` (None: if it does not exist);
        ConflictError otherwise."""
        ...


def _later(bucket: Bucket | None, now: float) -> float:
    """The time a bucket is written at: `now`, or the bucket's own time when a rival that read the
    clock a moment later wrote it first (within CLOCK_SKEW_SECONDS): the span between the two
    readings must not refill twice. A bucket further ahead was written before the clock was set
    back (a host's clock corrected, the local stack's clock reset): it takes `now`, or it would
    not refill until the clock caught up."""
    if bucket is None:
        return now
    ahead = bucket.updated_at - now
    return bucket.updated_at if 0 < ahead <= CLOCK_SKEW_SECONDS else now


def refill(bucket: Bucket | None, limits: Limits, now: float) -> float:
    """Tokens in the bucket at `now`: what was left, plus the rate times the time since, at most
    `burst` (a new bucket starts full)."""
    if bucket is None:
        return limits.burst
    elapsed = max(0.0, now - bucket.updated_at)
    return min(limits.burst, bucket.tokens + elapsed * limits.rate)


@dataclass
class Governor:
    store: BucketStore
    limits: Callable[[str], Limits]
    backoff: Backoff

    def take(self, identity: str, wanted: int, now: float) -> int:
        """Takes up to `wanted` whole tokens; returns how many (0 when the bucket is empty)."""
        limits = self.limits(identity)
        for attempt in range(MAX_TAKE_ATTEMPTS):
            bucket = self.store.read(identity)
            available = refill(bucket, limits, now)
            # A bucket charged below empty (an SMS's further parts) grants nothing until it refills.
            granted = max(0, min(wanted, math.floor(available + limits.rate * EARLY_SECONDS)))
            if limits.daily_left is not None:
                granted = max(0, min(granted, math.floor(limits.daily_left)))
            try:
                self.store.write(
                    identity,
                    Bucket(available - granted, _later(bucket, now), (bucket.version if bucket else 0) + 1),
                    bucket.version if bucket else None,
                )
            except ConflictError:
                self.backoff.wait(attempt)
                continue
            return granted
        raise RetriesExhaustedError(f"the token bucket of {identity} stayed contended")

    def wait_seconds(self, identity: str, wanted: int, now: float) -> float:
        """How long until `wanted` tokens could be taken: 0 when they can be now (or were already
        refilled by the time of asking), infinity when the daily allowance is spent."""
        limits = self.limits(identity)
        if limits.daily_left is not None and limits.daily_left < 1:
            return math.inf
        missing = min(wanted, limits.burst) - refill(self.store.read(identity), limits, now)
        return 0.0 if missing <= limits.rate * EARLY_SECONDS else missing / limits.rate

    def charge(self, identity: str, tokens: float, now: float) -> None:
        """Takes `tokens` more for a send already granted one (an SMS's further message parts: End
        User Messaging's MPS counts parts). The bucket may go below empty; later takes wait until it
        has refilled, so over time the identity sends its rate in parts."""
        limits = self.limits(identity)
        for attempt in range(MAX_TAKE_ATTEMPTS):
            bucket = self.store.read(identity)
            left = refill(bucket, limits, now) - tokens
            try:
                self.store.write(
                    identity,
                    Bucket(left, _later(bucket, now), (bucket.version if bucket else 0) + 1),
                    bucket.version if bucket else None,
                )
            except ConflictError:
                self.backoff.wait(attempt)
                continue
            return
        raise RetriesExhaustedError(f"the token bucket of {identity} stayed contended")

    def reserve(self, identity: str, wanted: int, now: float) -> float | None:
        """Seconds from `now` until the first of `wanted` held sends should find a token: after every
        send held before them, at the rate (a line kept beside the bucket), so that held work comes
        back spread over the time the rate needs for it instead of all at once. The next ones follow
        at 1/rate apart. None when the daily allowance is spent (nothing to reserve today)."""
        limits = self.limits(identity)
        if limits.daily_left is not None and limits.daily_left < 1:
            return None
        line = f"{identity}{LINE_SUFFIX}"
        for attempt in range(MAX_TAKE_ATTEMPTS):
            held = self.store.read(line)
            start = max(now, held.tokens if held else now)
            try:
                self.store.write(
                    line,
                    Bucket(start + wanted / limits.rate, now, (held.version if held else 0) + 1),
                    held.version if held else None,
                )
            except ConflictError:
                self.backoff.wait(attempt)
                continue
            return start - now
        raise RetriesExhaustedError(f"the line of held sends of {identity} stayed contended")


LINE_SUFFIX = "#held"  # the bucket store's record of an identity's held sends: when the line ends
CAMPAIGN_BUCKETS = "campaign/"


def campaign_bucket(app_id: str, campaign_id: str, rate: float) -> str:
    """The token bucket of a campaign's own rate (its Limits.MessagesPerSecond), shared by every
    sender; the rate is in the name, so whoever takes from it knows its limits."""
    return f"{CAMPAIGN_BUCKETS}{app_id}/{campaign_id}@{rate:g}"


def named_limits(bucket: str) -> Limits | None:
    """The limits a bucket's name carries (a campaign's), or None for an identity's bucket."""
    if bucket.startswith(CAMPAIGN_BUCKETS):
        return within(float(bucket.rsplit("@", 1)[1]))
    return None


def within(rate: float, daily_left: float | None = None) -> Limits:
    """Limits that use the whole rate: tokens refill at `rate`, and a bucket holds a tenth of a
    second's worth (one token at up to 19 a second), so one write takes a batch of sends and a
    quiet moment lets at most that tenth through at once. Over any second the calls stay within
    the rate plus that burst, which SES accepts ("short bursts") and End User Messaging's throttling
    answers (retried by error code) would cap; over any longer span they stay at the rate."""
    burst = max(1.0, math.floor(rate / 10))
    return Limits(rate=max(rate, 1e-9), burst=burst, daily_left=daily_left)


def ses_limits(send_quota: Mapping[str, float], sending_enabled: bool = True) -> Limits:
    """The governor's limits for SES from the account's SendQuota (GetAccount): MaxSendRate in
    every second, and what is left of Max24HourSend today. A paused account (SendingEnabled false)
    may send nothing."""
    if not sending_enabled:
        return Limits(rate=max(float(send_quota.get("MaxSendRate", 1)), 1e-9), burst=1, daily_left=0)
    left = float(send_quota["Max24HourSend"]) - float(send_quota.get("SentLast24Hours", 0))
    return within(float(send_quota["MaxSendRate"]), max(0.0, left))


def identity_rates(configured: str) -> dict[str, float]:
    """The messages per second of each SMS and voice origination identity that does not send at
    the default rate, from its JSON configuration (`{"+12065550100": 20, "pool-abc": 100}`)."""
    if not configured.strip():
        return {}
    rates = json_object(configured, "TEXT_IDENTITY_RATES")
    for identity, rate in rates.items():
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate <= 0:
            raise ValidationError(
                f"TEXT_IDENTITY_RATES.{identity}", "must be a positive number of messages per second"
            )
    return {identity: float(rate) for identity, rate in rates.items()}
