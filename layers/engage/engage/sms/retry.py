"""Retries of failed SMS (the seed's "SMS Retry for Failed Deliveries", rebuilt): an `_SMS.FAILURE`
whose status is transient is sent again after an exponential backoff with jitter, up to a
configured number of attempts; a permanent failure is not retried. Both outcomes become events on
the stream.

A due retry becomes a send request for the send queue (`retry_send`): the original text from the
archive, to the same endpoint, keyed by (original message, attempt), so the one sender sends it
with everything every message gets (eligibility at send time, the ledger: once, or UNCERTAIN after
a crash mid-call; the rate, counted in message parts; the archive; events) and a replayed stream
batch or a redelivered retry never sends twice."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.addresses import address_key
from engage.errors import RetriesExhaustedError
from engage.events import Event, EventStream, emit
from engage.ids import uuid5_text
from engage.sending.request import SendRequest

# End User Messaging's final statuses that another attempt can change (the handset was off, the
# carrier busy); every other failure (INVALID, SPAM, BLOCKED, OPTED_OUT, ...) is final. UNKNOWN is
# not retried, unlike the seed: AWS reports it 72 hours after a send with no carrier receipt, so the
# text may well have arrived, and sending it again three days later would send it twice.
TRANSIENT_STATUSES = frozenset({"CARRIER_UNREACHABLE", "UNREACHABLE", "TTL_EXPIRED"})  # messageStatus
MAX_DELAY_SECONDS = 900  # SQS's longest message delay
RETRY_IDS = uuid.UUID("a0c8f3de-5b0e-4d2a-9a43-6d0d8d1f2e71")


@dataclass(frozen=True)
class Failure:
    app_id: str
    endpoint_id: str
    original_id: str  # the first send's own message id (the archive's key)
    attempt: int  # 0 for the first send, n for its n-th retry
    status: str
    destination: str
    origination: str
    message_type: str
    context: dict[str, str] = field(default_factory=dict)


def parse_failure(record: Mapping[str, Any]) -> Failure | None:
    """An `_SMS.FAILURE` record of the stream, as the channel-events normaliser wrote it; None for
    any other record, and for a failure that names no message of ours."""
    if record.get("event_type") != "_SMS.FAILURE":
        return None
    attributes = record.get("attributes") or {}
    try:
        context = json.loads(attributes.get("customer_context") or "{}")
    except json.JSONDecodeError:
        return None
    original = context.get("retry_of") or context.get("message_id")
    app_id = (record.get("application") or {}).get("app_id")
    if (
        not original
        or not app_id
        or not context.get("endpoint_id")
        or not attributes.get("destination_phone_number")
    ):
        return None
    return Failure(
        app_id,
        str(context["endpoint_id"]),
        str(original),
        int(context.get("retry_attempt") or 0),
        str(attributes.get("record_status") or ""),
        str(attributes["destination_phone_number"]),
        str(attributes.get("origination_phone_number") or ""),
        str(attributes.get("message_type") or "TRANSACTIONAL"),
        {str(k): str(v) for k, v in context.items()},
    )


@dataclass(frozen=True)
class Decision:
    retry: bool
    attempt: int  # the attempt this decision is about (the next one)
    delay_seconds: int
    reason: str


def decide(failure: Failure, max_attempts: int, base_delay: float, rng: random.Random) -> Decision:
    attempt = failure.attempt + 1
    if failure.status == "UNKNOWN":
        return Decision(False, attempt, 0, "uncertain: UNKNOWN (no carrier receipt in 72 hours)")
    if failure.status not in TRANSIENT_STATUSES:
        return Decision(False, attempt, 0, f"permanent: {failure.status or 'no status'}")
    if attempt > max_attempts:
        return Decision(False, attempt, 0, f"attempts exhausted: {max_attempts} retries failed")
    ceiling = min(MAX_DELAY_SECONDS, base_delay * 2 ** (attempt - 1))
    return Decision(True, attempt, round(rng.uniform(ceiling / 2, ceiling)), f"transient: {failure.status}")


def retry_request(failure: Failure, decision: Decision) -> dict[str, Any]:
    """What the retry queue carries: enough to send the retry without the failure record."""
    return {
        "ApplicationId": failure.app_id,
        "EndpointId": failure.endpoint_id,
        "OriginalMessageId": failure.original_id,
        "Attempt": decision.attempt,
        "Destination": failure.destination,
        "Origination": failure.origination,
        "MessageType": failure.message_type,
        "Context": {
            **failure.context,
            "retry_of": failure.original_id,
            "retry_attempt": str(decision.attempt),
        },
    }


RETRY_TAGS = ("campaign_id", "campaign_activity_id", "treatment_id")


class RetryRefused(Exception):
    """The retry can't be sent as the original was: its reason."""


def retry_send(
    request: Mapping[str, Any],
    endpoint: Callable[[str, str], Mapping[str, Any] | None],
    archived_text: Callable[[str, str, str], str | None],
) -> SendRequest:
    """The send request of a due retry (what the retry queue carried): the original text, to the
    endpoint it went to. RetryRefused when the endpoint is gone, its number changed since, or the
    text is no longer in the archive (erased)."""
    app_id, endpoint_id = str(request["ApplicationId"]), str(request["EndpointId"])
    original, attempt = str(request["OriginalMessageId"]), int(request["Attempt"])
    current = endpoint(app_id, endpoint_id)
    if current is None:
        raise RetryRefused("the endpoint no longer exists")
    if address_key("SMS", str(current.get("Address"))) != address_key("SMS", str(request["Destination"])):
        raise RetryRefused("the endpoint's number changed since the failed send")
    body = archived_text(app_id, endpoint_id, original)
    if body is None:
        raise RetryRefused("the original text is not in the archive (erased?)")
    context = request.get("Context") or {}
    message = {"Body": body, "MessageType": str(request["MessageType"])}
    if request.get("Origination"):
        message["OriginationNumber"] = str(request["Origination"])
    return SendRequest(
        app_id,
        f"sms-retry-{original}",
        "SMS",
        message,
        endpoint_id=endpoint_id,
        activity_id=f"attempt-{attempt}",
        transactional=request["MessageType"] == "TRANSACTIONAL",
        context={
            **{k: str(context[k]) for k in RETRY_TAGS if context.get(k)},
            "retry_of": original,
            "retry_attempt": str(attempt),
        },
    )


def refused_event(request: Mapping[str, Any], reason: str) -> Event:
    """`_SMS.retry_abandoned` for a due retry that can't be sent as the original was."""
    original, attempt = str(request["OriginalMessageId"]), str(request["Attempt"])
    return Event(
        event_type="_SMS.retry_abandoned",
        app_id=str(request["ApplicationId"]),
        endpoint_id=str(request["EndpointId"]),
        attributes={"original_message_id": original, "attempt": attempt, "reason": reason},
        event_id=uuid5_text(RETRY_IDS, f"{original}#{attempt}#refused"),
    )


def outcome_event(failure: Failure, decision: Decision) -> Event:
    """`_SMS.retry_scheduled` or `_SMS.retry_abandoned`, one id per (message, attempt, outcome)."""
    kind = "retry_scheduled" if decision.retry else "retry_abandoned"
    return Event(
        event_type=f"_SMS.{kind}",
        app_id=failure.app_id,
        endpoint_id=failure.endpoint_id,
        attributes={
            "original_message_id": failure.original_id,
            "attempt": str(decision.attempt),
            "record_status": failure.status,
            "reason": decision.reason,
            **{
                k: v
                for k, v in failure.context.items()
                if k in ("campaign_id", "campaign_activity_id", "treatment_id")
            },
        },
        metrics={"delay_seconds": float(decision.delay_seconds)},
        event_id=uuid5_text(RETRY_IDS, f"{failure.original_id}#{decision.attempt}#{kind}"),
    )


class RetryQueue(Protocol):
    def send(self, body: str, delay_seconds: int | None = None) -> None:
        """Puts one message, kept from consumers for `delay_seconds`; raises when it is not taken."""
        ...


@dataclass
class RetryScheduler:
    """Decides each record of the event stream that is one of our `_SMS.FAILURE`s: a due retry goes
    on the retry queue with its backoff as the message's delay, and the decision becomes an event
    either way (`_SMS.retry_scheduled`, `_SMS.retry_abandoned`)."""

    max_attempts: int
    base_delay: float
    queue: RetryQueue
    events: EventStream
    rng: random.Random = field(default_factory=random.Random)  # backoff jitter, not a secret

    def schedule(self, record: Mapping[str, Any]) -> tuple[Failure, Decision] | None:
        """The failure and its decision; None for a record that is not a failure of ours."""
        failure = parse_failure(record)
        if failure is None:
            return None
        decision = decide(failure, self.max_attempts, self.base_delay, self.rng)
        if decision.retry:
            self.queue.send(json.dumps(retry_request(failure, decision)), decision.delay_seconds)
        emit([outcome_event(failure, decision)], self.events)
        return failure, decision


class SendQueue(Protocol):
    def enqueue(self, bodies: list[str]) -> list[str | None]:
        """Puts each body on the send queue: its message id, or None where it was not taken."""
        ...


@dataclass
class RetrySending:
    """A due retry, sent again through the send queue (the sender checks consent and suppression
    when it goes out), or refused with a `_SMS.RETRY_REFUSED`-style event when it may not be."""

    endpoint: Callable[[str, str], Mapping[str, Any] | None]
    archived_text: Callable[[str, str, str], str | None]
    queue: SendQueue
    stream: EventStream

    def send(self, request: Mapping[str, Any]) -> str | None:
        """None when the retry was queued; the reason when it was refused. RetriesExhaustedError
        when the queue would not take it (the retry comes back)."""
        try:
            send = retry_send(request, self.endpoint, self.archived_text)
        except RetryRefused as exc:
            emit([refused_event(request, str(exc))], self.stream)
            return str(exc)
        if self.queue.enqueue([send.to_body()]) == [None]:
            raise RetriesExhaustedError("the send queue would not take the retry")
        return None
