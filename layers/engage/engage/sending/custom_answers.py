"""What a custom channel answered about each endpoint of a batch.

Pinpoint's custom channel read nothing back: a function of that era answers nothing about the
endpoints, and each is recorded HANDED_OVER (taken by the channel, not known to be sent). A function
(or webhook) may answer, for any endpoint of the batch, one of

    {"<endpoint id>": "SENT" | "NOT_SENT" | "THROTTLED" | "OUT_OF_TIME" | "UNCERTAIN"}
    {"<endpoint id>": {"DeliveryStatus": <one of those>, "StatusMessage": "why", "MessageId": "..."}}

SENT is recorded sent; NOT_SENT is refused with its reason; UNCERTAIN is recorded in doubt (never
sent again); THROTTLED and OUT_OF_TIME give the endpoint back to be sent again later. An endpoint
the answer leaves out, or answers with anything else, stays HANDED_OVER (the channel has it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engage.sending.ledger import Answer, Status

MAX_REASON = 200
SETTLING = {"SENT": Status.SENT, "NOT_SENT": Status.REFUSED, "UNCERTAIN": Status.UNCERTAIN}
AGAIN = frozenset({"THROTTLED", "OUT_OF_TIME"})


@dataclass(frozen=True)
class Delivery:
    """One batch handed to a custom channel: the delivery's id (Lambda's request id, or the
    webhook's X-Engage-Delivery) and what the channel answered (parsed JSON; None for nothing)."""

    delivery_id: str
    answer: Any = None


def read_answers(answer: Any, endpoint_ids: Sequence[str], delivery_id: str) -> dict[str, Answer]:
    """Each endpoint's Answer (status None: send it again later), by endpoint id."""
    given = answer if isinstance(answer, Mapping) else {}
    return {endpoint_id: _one(given.get(endpoint_id), delivery_id) for endpoint_id in endpoint_ids}


def again_reason(answer: Answer) -> str:
    return answer.reason or "the channel asked for it again"


def _one(value: Any, delivery_id: str) -> Answer:
    if isinstance(value, str):
        status, message, message_id = value, "", None
    elif isinstance(value, Mapping):
        status = value.get("DeliveryStatus")
        message = value.get("StatusMessage") if isinstance(value.get("StatusMessage"), str) else ""
        message_id = value.get("MessageId") if isinstance(value.get("MessageId"), str) else None
    else:
        return Answer(Status.HANDED_OVER, delivery_id)
    reason = f"{status}: {message}"[:MAX_REASON] if message else status
    if status in AGAIN:
        return Answer(None, reason=reason)
    if status == "SENT":
        return Answer(Status.SENT, message_id or delivery_id)
    if status in SETTLING:
        return Answer(SETTLING[status], message_id, reason)
    return Answer(Status.HANDED_OVER, delivery_id)


def channel_answer(
    sent: Mapping[str, str | None], failed: Mapping[str, str], skipped: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """The answer a channel function of this project gives: sent endpoints (with their message ids)
    SENT; those it had no time or capacity for OUT_OF_TIME or THROTTLED; one in doubt UNCERTAIN;
    every other failure or skip NOT_SENT with its reason."""
    answer: dict[str, dict[str, str]] = {
        endpoint_id: {"DeliveryStatus": "SENT", **({"MessageId": message_id} if message_id else {})}
        for endpoint_id, message_id in sent.items()
    }
    for endpoint_id, reason in {**skipped, **failed}.items():
        answer[endpoint_id] = {"DeliveryStatus": _failure_status(reason), "StatusMessage": reason}
    return answer


def _failure_status(reason: str) -> str:
    if reason == "OUT_OF_TIME":
        return "OUT_OF_TIME"
    if reason in ("THROTTLED", "IN_FLIGHT") or reason.startswith("NOT_SENT"):
        return "THROTTLED"  # nothing went out: it may be sent again
    if reason == "UNCERTAIN" or reason.startswith("FAILED_MID_SEND"):
        return "UNCERTAIN"
    return "NOT_SENT"
