"""One send of a channel that works recipient by recipient (the Connect and attachments custom
channels): claimed in the send ledger so that a batch delivered again sends nobody twice, throttling
retried with backoff while the invocation's time allows, and every other failure kept to its
recipient, never the batch's. A failure that leaves it unknown whether the message went out (a
timeout mid-call) keeps its SENDING claim, which a later delivery settles as UNCERTAIN instead of
sending again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engage import clock
from engage.errors import NotSentError, ThrottledError
from engage.retry import Backoff
from engage.sending.ledger import DEFAULT_LEASE_SECONDS, Ledger, Outcome, StillSending, deliver


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome | None  # settled (SENT, REFUSED, UNCERTAIN; perhaps by an earlier delivery)
    failure: str | None = None  # why nothing is settled: THROTTLED, IN_FLIGHT, NOT_SENT, FAILED_MID_SEND


def send_once(
    ledger: Ledger,
    key: str,
    send: Callable[[], str],
    deadline: float,
    backoff: Backoff,
    clock: Callable[[], float] = clock.time,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> Attempt:
    attempt = uuid.uuid4().hex
    for tries in range(backoff.max_attempts):
        try:
            return Attempt(deliver(ledger, key, attempt, send, clock(), lease_seconds))
        except ThrottledError:
            if tries + 1 >= backoff.max_attempts or clock() >= deadline:
                return Attempt(None, "THROTTLED")
            backoff.wait(tries)
        except StillSending:
            return Attempt(None, "IN_FLIGHT")
        except NotSentError as exc:
            return Attempt(None, f"NOT_SENT: {exc}"[:200])
        except Exception as exc:  # noqa: BLE001 - the call may have gone out: its claim stays, reported
            return Attempt(None, f"FAILED_MID_SEND: {type(exc).__name__}")
    return Attempt(None, "THROTTLED")


def deadline_of(context: Any, safety_seconds: float = 5.0) -> float:
    """When a channel function stops starting sends: its Lambda deadline less `safety_seconds`
    (epoch seconds). Who is left is reported OUT_OF_TIME."""
    return clock.time() + context.get_remaining_time_in_millis() / 1000 - safety_seconds
