"""Fault injection for the local stack: chosen operations throttle, fail transiently, or accept a
request and then never answer (the connection closes after the work is done), for a fraction of
calls, decided by a seeded generator so that a run is repeatable.

Configured by `ENGAGE_LOCAL_FAULTS` (JSON, read when the stack starts) or the control port's
`faults` action, e.g. `[{"service": "sesv2", "operation": "SendEmail", "kind": "throttle",
"rate": 0.2}]` with an optional `"seed"` (default 7) and `"times"` (inject at most that many).
`service` is botocore's service name (or the signing name for moto's own services) and
`operation` may be `*`.
"""

from __future__ import annotations

import json
import os
import random
import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = ("throttle", "transient", "timeout")
THROTTLE_CODES = {
    "sesv2": ("TooManyRequestsException", 429),
    "pinpoint": ("TooManyRequestsException", 429),
    "pinpoint-sms-voice-v2": ("ThrottlingException", 400),
    "connect": ("ThrottlingException", 429),
}


@dataclass
class FaultRule:
    service: str
    operation: str
    kind: str
    rate: float
    seed: int = 7
    times: int | None = None  # inject at most this many faults (None: no limit)
    rng: random.Random = field(init=False, repr=False)
    injected: int = 0
    seen: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if not 0 <= self.rate <= 1:
            raise ValueError("fault rate is a fraction between 0 and 1")
        self.rng = random.Random(self.seed)

    def matches(self, service: str, operation: str) -> bool:
        return self.service == service and self.operation in ("*", operation)

    def describe(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "kind": self.kind,
            "rate": self.rate,
            "seed": self.seed,
            "times": self.times,
            "seen": self.seen,
            "injected": self.injected,
        }


class FaultInjector:
    def __init__(self, rules: list[dict[str, Any]] | None = None) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.configure(
            rules if rules is not None else json.loads(os.environ.get("ENGAGE_LOCAL_FAULTS", "[]"))
        )

    def configure(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        parsed = [
            FaultRule(
                **{
                    k: v
                    for k, v in r.items()
                    if k in ("service", "operation", "kind", "rate", "seed", "times")
                }
            )
            for r in rules
        ]
        with self._lock:
            self.rules = parsed
        return self.describe()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.describe() for r in self.rules]

    def decide(self, service: str, operation: str) -> str | None:
        """The fault to inject into this call, if any."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(service, operation):
                    rule.seen += 1
                    spent = rule.times is not None and rule.injected >= rule.times
                    if not spent and rule.rng.random() < rule.rate:
                        rule.injected += 1
                        return rule.kind
        return None


def throttle_error(service: str) -> tuple[str, int]:
    return THROTTLE_CODES.get(service, ("ThrottlingException", 400))
