"""How much of an identity's quota the sender uses, in simulated time (no wall clock): channel calls
per second (accepted plus transiently failed) over the allowed rate, with 5% of calls failing
transiently, and every message settled (none lost)."""

from __future__ import annotations

import random

import pytest
from engage.errors import ThrottledError
from engage.messages.governor import Governor, within
from engage.messages.ledger import Status
from engage.messages.request import SendRequest
from engage.messages.sender import Sender, SendPolicy
from engage.retry import Backoff
from engage.templates.model import Templates

from tests.support.fakes import (
    MemoryArchive,
    MemoryBuckets,
    MemoryConsent,
    MemoryEndpoints,
    MemoryLedger,
    MemoryStream,
    MemorySuppressions,
    MemoryTemplates,
)

APP = "rateapp"
SECONDS = {1: 60, 20: 30, 100: 10, 1000: 4}  # simulated seconds of sending at each rate


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FlakyTexts:
    """Answers instantly (in simulated time), failing 5% of calls transiently (a 500)."""

    def __init__(self, clock: Clock, rng: random.Random) -> None:
        self.clock, self.rng = clock, rng
        self.calls: list[float] = []
        self.accepted = 0

    def send_text(self, destination, body, message_type="", context=None, origination=None) -> str:
        self.calls.append(self.clock())
        if self.rng.random() < 0.05:
            raise ThrottledError("SendTextMessage: InternalServerException")
        self.accepted += 1
        return f"m-{self.accepted}"


def run(rate: float) -> tuple[float, list, FlakyTexts]:
    clock, rng = Clock(), random.Random(int(rate))
    count = int(rate * SECONDS[int(rate)])
    texts = FlakyTexts(clock, rng)
    backoff = Backoff(sleep=clock.sleep, rng=random.Random(1), max_attempts=8)
    sender = Sender(
        endpoints=MemoryEndpoints(
            [
                {"ApplicationId": APP, "Id": f"ep-{i}", "ChannelType": "SMS", "Address": f"+1206555{i:04d}"}
                for i in range(count)
            ]
        ),
        consent=MemoryConsent(),
        suppressions=MemorySuppressions(),
        templates=Templates(MemoryTemplates()),
        ledger=MemoryLedger(),
        governor=Governor(MemoryBuckets(), lambda _identity: within(rate), backoff),
        email=None,
        texts=texts,
        archive_store=MemoryArchive(),
        events=MemoryStream(),
        policy=SendPolicy(text_identity="+18005550100", send_concurrency=1, lease_seconds=600),
        backoff=backoff,
        clock=clock,
    )
    requests = [
        SendRequest(APP, "c-1", "SMS", {"Body": "Hi"}, endpoint_id=f"ep-{i}", activity_id="run-1")
        for i in range(count)
    ]
    started = clock.now
    results = sender.send_batch(requests, deadline=started + SECONDS[int(rate)] * 10)
    return clock.now - started, results, texts


SHORT = pytest.mark.xfail(strict=True, reason="issue 26 item 4: the refill is rate - (burst - 1)")


@pytest.mark.parametrize(
    "rate",
    [1, 20, pytest.param(100, marks=SHORT), pytest.param(1000, marks=SHORT)],
)
def test_the_sender_uses_at_least_95_percent_of_the_quota_and_loses_nothing(rate):
    elapsed, results, texts = run(rate)
    assert all(r.outcome is not None and r.outcome.status == Status.SENT for r in results), "none lost"
    assert texts.accepted == len(results) and len(texts.calls) > len(results)  # some failed, were retried
    achieved = len(texts.calls) / (texts.calls[-1] - texts.calls[0] + 1 / rate) / rate
    assert achieved >= 0.95, f"{achieved:.3f} of {rate}/s"
    assert elapsed <= len(texts.calls) / rate / 0.95 + 1
