"""Retries of failed SMS (the seed's "SMS Retry for Failed Deliveries", rebuilt): an `_SMS.FAILURE`
whose status is transient is sent again after an exponential backoff with jitter, up to a
configured number of attempts; a permanent failure is not retried. Each retry is one (original
message, attempt) pair, claimed before it is sent, so a replayed stream batch or a redelivered queue
message never sends twice. Both outcomes become events on the stream."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engage.events import Event

# End User Messaging's final statuses that another attempt can change (the handset was off, the
# carrier busy); every other failure (INVALID, SPAM, BLOCKED, OPTED_OUT, ...) is final.
TRANSIENT_STATUSES = frozenset(
    {"CARRIER_UNREACHABLE", "UNREACHABLE", "TTL_EXPIRED", "UNKNOWN"}
)  # messageStatus
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


def claim_key(original_id: str, attempt: int) -> str:
    return f"sms-retry#{original_id}#{attempt}"


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
        event_id=str(uuid.uuid5(RETRY_IDS, f"{failure.original_id}#{decision.attempt}#{kind}")),
    )
