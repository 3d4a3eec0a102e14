"""The sender against one identity's quota in simulated time (no wall clock): messages to send for
a number of seconds of the quota, an SMS channel that answers at once and fails 5% of calls
transiently. Used by the unit test of the rate and by `make bench`."""

from __future__ import annotations

import random

from engage.errors import ThrottledError
from engage.retry import Backoff
from engage.sending.governor import Governor, within
from engage.sending.request import SendRequest
from engage.sending.sender import Sender, SendPolicy
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


def achieved(texts: FlakyTexts, rate: float) -> float:
    """Channel calls per second (accepted and failed) over the allowed rate."""
    return len(texts.calls) / (texts.calls[-1] - texts.calls[0] + 1 / rate) / rate


def run(rate: float, seconds: float | None = None) -> tuple[float, list, FlakyTexts]:
    """Sends `seconds` (default SECONDS[rate]) of the quota's messages; (simulated seconds it took,
    the results, the channel)."""
    seconds = seconds or SECONDS[int(rate)]
    clock, rng = Clock(), random.Random(int(rate))
    count = int(rate * seconds)
    texts = FlakyTexts(clock, rng)
    sender = sms_sender(clock, rate, count, texts)
    requests = [
        SendRequest(APP, "c-1", "SMS", {"Body": "Hi"}, endpoint_id=f"ep-{i}", activity_id="run-1")
        for i in range(count)
    ]
    started = clock.now
    results = sender.send_batch(requests, deadline=started + seconds * 10)
    return clock.now - started, results, texts


def sms_sender(clock: Clock, rate: float, count: int, texts: object, app: str = APP) -> Sender:
    """The real sender over in-memory stores, `count` SMS endpoints (ep-0...) of `app`, one SMS
    identity at `rate`, sending one message at a time in simulated time."""
    backoff = Backoff(sleep=clock.sleep, rng=random.Random(1), max_attempts=8)
    return Sender(
        endpoints=MemoryEndpoints(
            [
                {"ApplicationId": app, "Id": f"ep-{i}", "ChannelType": "SMS", "Address": f"+1206{i:07d}"}
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
