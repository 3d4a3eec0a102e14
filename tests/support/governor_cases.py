"""The governor's behaviour, as cases any bucket store must pass (in memory and on DynamoDB)."""

from __future__ import annotations

import math
import random

import pytest
from engage.errors import ConflictError
from engage.retry import Backoff
from engage.sending.governor import Governor, Limits

QUIET = Backoff(sleep=lambda _s: None, rng=random.Random(0))


def governor(store, rate=10.0, burst=20.0, daily_left=None) -> Governor:
    return Governor(store, lambda _identity: Limits(rate, burst, daily_left), QUIET)


def a_new_bucket_starts_full_and_refills_at_the_rate_up_to_the_burst(store) -> None:
    g = governor(store)
    assert g.take("ses:example.com", 50, now=0.0) == 20  # the burst
    assert g.take("ses:example.com", 50, now=0.0) == 0
    assert g.take("ses:example.com", 50, now=0.5) == 5  # 10 per second
    assert g.take("ses:example.com", 50, now=100.0) == 20  # never more than the burst
    assert g.wait_seconds("ses:example.com", 10, now=100.0) == pytest.approx(1.0)


def senders_sharing_a_bucket_never_exceed_the_rate_together(store) -> None:
    senders = [governor(store) for _ in range(4)]
    granted, clock = 0, 0.0
    for step in range(400):  # 40 s of senders asking for batches of 10, in turn
        clock = step * 0.1
        granted += senders[step % 4].take("sms:+12065550100", 10, now=clock)
    assert granted <= 20 + 10.0 * clock  # the burst plus the rate times the time
    assert granted >= 10.0 * clock * 0.95  # and the quota is used, not wasted


def the_daily_allowance_caps_what_is_granted(store) -> None:
    assert governor(store, daily_left=3).take("ses:capped.example", 10, now=0.0) == 3
    assert governor(store, daily_left=0).take("ses:capped.example", 10, now=10.0) == 0
    assert governor(store, daily_left=0).wait_seconds("ses:capped.example", 1, now=10.0) == math.inf


def a_lost_race_is_retried_against_the_new_bucket(store) -> None:
    g = governor(store)
    g.take("ses:race.example", 1, now=0.0)
    real_write, raced = store.write, []

    def write_after_a_rival(identity, bucket, expected_version):
        if not raced:
            raced.append(True)
            real_write(identity, bucket, expected_version)  # a rival's write lands first
            raise ConflictError("changed concurrently")
        return real_write(identity, bucket, expected_version)

    store.write = write_after_a_rival
    assert g.take("ses:race.example", 5, now=0.0) == 5  # read again, still tokens: granted
    assert store.read("ses:race.example").tokens == pytest.approx(9.0)  # 19 - 5 (rival) - 5


def a_sender_whose_clock_reading_is_older_than_the_bucket_gets_no_time_twice(store) -> None:
    """Senders read the clock before they read the bucket, so under load one may write after a
    rival that read the clock later. The bucket's time never goes back: the span between the two
    readings refills once, not again for the next taker."""
    g = governor(store, rate=2.0, burst=1.0)
    granted = 0
    for step in range(40):  # 10 s; each step, a late sender whose reading is 0.5 s old goes first
        late, now = step * 0.25, step * 0.25 + 0.5
        granted += g.take("sms:+12065550100", 5, now=late) + g.take("sms:+12065550100", 5, now=now)
    assert granted <= 1 + 2.0 * (39 * 0.25 + 0.5)  # the burst plus the rate times the span
    assert store.read("sms:+12065550100").updated_at == pytest.approx(39 * 0.25 + 0.5)


def a_clock_set_back_refills_the_bucket_from_its_new_time(store) -> None:
    """A bucket written hours ahead (before the clock was set back) refills from the new time,
    rather than staying empty until the clock catches up."""
    g = governor(store, rate=2.0, burst=1.0)
    assert g.take("sms:+12065550101", 5, now=10_000.0) == 1
    assert g.take("sms:+12065550101", 5, now=100.0) == 0  # set back: nothing refilled yet
    assert g.take("sms:+12065550101", 5, now=101.0) == 1  # a second later, at 2 a second (burst 1)


CASES = [
    a_clock_set_back_refills_the_bucket_from_its_new_time,
    a_sender_whose_clock_reading_is_older_than_the_bucket_gets_no_time_twice,
    a_new_bucket_starts_full_and_refills_at_the_rate_up_to_the_burst,
    senders_sharing_a_bucket_never_exceed_the_rate_together,
    the_daily_allowance_caps_what_is_granted,
    a_lost_race_is_retried_against_the_new_bucket,
]
