"""Sending exactly once across redeliveries: every send is recorded SENDING (a conditional write
that only one delivery of a message can win) before the channel is called, and SENT after. A
redelivery that finds the send SENT or REFUSED sends nothing; one that finds it SENDING within the
lease waits (the first delivery may still be calling); one that finds a stale SENDING cannot know
whether the call went out, so it marks the send UNCERTAIN and reports it instead of risking a second
message (a policy may resend transactional messages, such as one-time passwords, instead).

A throttled or transiently failed call, or a failure before the call (NotSentError), gives its
claim back, so the next delivery of the message sends it. A custom channel that answers nothing
about an endpoint has it HANDED_OVER: settled (never handed over twice), but not known to be sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from engage.errors import DeliveryRefusedError, EngageError, NotSentError

DEFAULT_LEASE_SECONDS = 120.0


class Status(StrEnum):
    SENDING = "SENDING"
    SENT = "SENT"
    REFUSED = "REFUSED"
    UNCERTAIN = "UNCERTAIN"
    HANDED_OVER = "HANDED_OVER"  # a custom channel took it and said nothing about it


SETTLED = frozenset({Status.SENT, Status.REFUSED, Status.UNCERTAIN, Status.HANDED_OVER})


@dataclass(frozen=True)
class Record:
    status: Status
    attempt: str  # who claimed it: one delivery's id
    claimed_at: float
    message_id: str | None = None
    reason: str | None = None


class Ledger(Protocol):
    def claim(self, key: str, attempt: str, now: float, replacing: str | None = None) -> bool:
        """Writes SENDING for `attempt` if no record exists (or, with `replacing`, if the record is
        still that attempt's SENDING); False when another write won."""
        ...

    def get(self, key: str) -> Record | None: ...
    def finish(
        self, key: str, attempt: str, status: Status, message_id: str | None, reason: str | None
    ) -> None:
        """Moves `attempt`'s SENDING to a final status."""
        ...

    def release(self, key: str, attempt: str) -> None:
        """Removes `attempt`'s SENDING, so that a later delivery sends."""
        ...


class StillSending(EngageError):
    """Another delivery of this message holds a fresh SENDING: try again after its lease."""


@dataclass(frozen=True)
class Outcome:
    status: Status
    message_id: str | None = None
    reason: str | None = None
    duplicate: bool = False  # an earlier delivery had already settled this send
    detail: str | None = None  # why, in the channel's words (not kept in the ledger)


def claim(
    ledger: Ledger,
    key: str,
    attempt: str,
    now: float,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    resend_uncertain: bool = False,
) -> Outcome | None:
    """Claims the send for `attempt`: None when it is ours to make, else the outcome an earlier
    delivery settled (or UNCERTAIN, settled now). StillSending when another delivery is mid-call."""
    if ledger.claim(key, attempt, now):
        return None
    record = ledger.get(key)
    if record is None:  # released between our claim and our read: claim again
        if not ledger.claim(key, attempt, now):
            raise StillSending(f"send {key} is being claimed by another delivery")
        return None
    if record.status in SETTLED:
        return Outcome(record.status, record.message_id, record.reason, duplicate=True)
    if now - record.claimed_at < lease_seconds:
        raise StillSending(f"send {key} is in flight (attempt {record.attempt})")
    if not resend_uncertain:
        ledger.finish(key, record.attempt, Status.UNCERTAIN, None, "a delivery stopped mid-send")
        return Outcome(Status.UNCERTAIN, reason="a delivery stopped mid-send; not resent")
    if not ledger.claim(key, attempt, now, replacing=record.attempt):
        raise StillSending(f"send {key} was taken over by another delivery")
    return None


def deliver(
    ledger: Ledger,
    key: str,
    attempt: str,
    send: Callable[[], str],
    now: float,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    resend_uncertain: bool = False,
) -> Outcome:
    """Sends once for `key` (campaign or request, activity, endpoint). Raises ThrottledError (the
    claim given back) for the caller's retry, and StillSending when another delivery is mid-call."""
    settled = claim(ledger, key, attempt, now, lease_seconds, resend_uncertain)
    if settled is not None:
        return settled
    return settle(ledger, [key], attempt, send)[key]


def settle(ledger: Ledger, keys: list[str], attempt: str, send: Callable[[], str]) -> dict[str, Outcome]:
    """Makes one call for sends `attempt` has claimed (one message) and records its outcome on
    each: SENT with the channel's message id, or REFUSED."""

    def sent() -> dict[str, Answer]:
        message_id = send()
        return {key: Answer(Status.SENT, message_id) for key in keys}

    outcomes = settle_each(ledger, keys, attempt, sent)
    return {key: outcome for key, outcome in outcomes.items() if outcome is not None}


@dataclass(frozen=True)
class Answer:
    """What a channel said about one send of a batch: a settled status (SENT, REFUSED, UNCERTAIN,
    HANDED_OVER), or None when it asks for the send again later (the claim is given back)."""

    status: Status | None
    message_id: str | None = None
    reason: str | None = None


def settle_each(
    ledger: Ledger, keys: list[str], attempt: str, send: Callable[[], Mapping[str, Answer]]
) -> dict[str, Outcome | None]:
    """Makes one call for a batch `attempt` has claimed and records each send's own answer: None
    for a send whose claim was given back (the channel asked for it again)."""
    try:
        answers = send()
    except NotSentError:
        for key in keys:
            ledger.release(key, attempt)
        raise
    except DeliveryRefusedError as exc:
        for key in keys:
            ledger.finish(key, attempt, Status.REFUSED, None, exc.code)
        return {key: Outcome(Status.REFUSED, reason=exc.code, detail=str(exc)) for key in keys}
    outcomes: dict[str, Outcome | None] = {}
    for key in keys:
        answer = answers[key]
        if answer.status is None:
            ledger.release(key, attempt)
            outcomes[key] = None
        else:
            ledger.finish(key, attempt, answer.status, answer.message_id, answer.reason)
            outcomes[key] = Outcome(answer.status, answer.message_id, answer.reason)
    return outcomes
