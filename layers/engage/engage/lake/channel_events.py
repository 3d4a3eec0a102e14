"""The channels' own events in the engagement stream's schema: SES event-publishing records become
`_email.*` events and End User Messaging SMS and voice v2 events `_SMS.*` and `_VOICE.*`, as
Pinpoint's event stream had them (snake_case facets, the campaign's ids in the attributes, the price
in millicents). The raw records are kept as they are in their own tables; this is the view the
engagement views and the campaign report read.

What the sender has already put on the stream is not put there twice: SES's Send event and the
carrier's non-final events of a message the sender sent (its tags name the send request) are left
to the raw tables. A record that names no application (mail sent by another system through the same
configuration set) has no place in an application's events and is only kept raw. Event ids are
derived from the record, so a redelivered record yields the same event id, and `ChannelEvents` puts
each event once (its `put_once` is keyed by the event id)."""

from __future__ import annotations

import dataclasses
import functools
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engage.envelopes import sns_document
from engage.errors import ValidationError
from engage.events import Event, EventStream, emit
from engage.ids import uuid5_text
from engage.obs import logger, metrics
from engage.sending.text_context import unpack

EVENT_IDS = uuid.UUID("6f1c3c52-2f61-4c1e-9d55-3b7e0d4f8a10")
MILLICENTS_PER_USD = 100_000
SES_EVENT_TYPES = {
    "Send": "_email.send",
    "Delivery": "_email.delivered",
    "Open": "_email.open",
    "Click": "_email.click",
    "Complaint": "_email.complaint",
    "Reject": "_email.rejected",
    "Rendering Failure": "_email.rendering_failure",
    "DeliveryDelay": "_email.delivery_delay",
}
# The tags every send of ours carries; they become the event's attributes under the same names.
OWN_TAGS = (
    "application_id",
    "request_id",
    "endpoint_id",
    "campaign_id",
    "treatment_id",
    "campaign_activity_id",
)
# A final SUCCESSFUL is a text the carrier accepted: AWS uses TEXT_SUCCESSFUL and TEXT_DELIVERED
# interchangeably by country, so either, when final, is delivered. Both may come, both final, for one
# message (AWS's EventBridge examples: TEXT_SUCCESSFUL, then TEXT_DELIVERED); see `from_sms`.
SUCCESS_STATUSES = frozenset({"SUCCESSFUL", "DELIVERED", "COMPLETED"})


@dataclass(frozen=True)
class Normalised:
    """The event for the stream, or why there is none (the raw record is kept either way)."""

    event: Event | None
    reason: str | None = None


def normalise(record: Mapping[str, Any]) -> Normalised:
    """Either kind of channel record, told apart by its shape."""
    if "mail" in record and "eventType" in record:
        return from_ses(record)
    if "messageId" in record and "eventType" in record:
        return from_sms(record)
    raise ValidationError("record", "neither an SES event-publishing record nor an SMS/voice v2 event")


# --- SES --------------------------------------------------------------------------------------------
def from_ses(record: Mapping[str, Any]) -> Normalised:
    kind, mail = record.get("eventType"), record.get("mail")
    if not isinstance(mail, Mapping) or not mail.get("messageId"):
        raise ValidationError("mail.messageId", "an SES event names the message it is about")
    tags = {name: values[0] for name, values in (mail.get("tags") or {}).items() if values}
    if not tags.get("application_id"):
        return Normalised(None, "no application_id tag: sent by another system, kept raw only")
    if kind == "Send" and tags.get("request_id"):
        return Normalised(None, "the sender recorded this send itself")
    detail_key, facet, event_type = _ses_detail(record)
    if event_type is None:
        raise ValidationError("eventType", f"unknown SES event type {kind!r}")
    detail = record.get(detail_key) or {}
    at = _iso_ms(detail.get("timestamp") or mail.get("timestamp"))
    recipients = _recipients(record, detail_key)
    attributes = {
        **{k: v for k, v in tags.items() if not k.startswith("ses:")},
        "channel_type": "EMAIL",
        "message_id": mail["messageId"],
    }
    mail_event: dict[str, Any] = {"mail": _mail(mail)}
    if facet:
        mail_event[facet] = _snake(detail) if facet != "subscription" else _subscription(detail)
    return Normalised(
        Event(
            event_type=event_type,
            app_id=tags["application_id"],
            endpoint_id=tags.get("endpoint_id") or f"message-{mail['messageId']}",
            attributes=attributes,
            timestamp_ms=at,
            facets={"email_channel": {"mail_event": mail_event}},
            event_id=uuid5_text(EVENT_IDS, f"ses#{mail['messageId']}#{kind}#{at}#{','.join(recipients)}"),
        )
    )


def _ses_detail(record: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    """The record's detail object, the facet it becomes, and the event type."""
    kind = record.get("eventType")
    if kind == "Bounce":
        permanent = (record.get("bounce") or {}).get("bounceType") == "Permanent"
        return "bounce", "bounce", "_email.hardbounce" if permanent else "_email.softbounce"
    if kind == "Click":
        link_tags = (record.get("click") or {}).get("linkTags") or {}
        return "click", "click", "_email.unsubscribe" if "unsubscribeLinkTag" in link_tags else "_email.click"
    if kind == "Subscription":
        return (
            "subscription",
            "subscription",
            ("_email.unsubscribe" if _left(record.get("subscription") or {}) else "_email.subscription"),
        )
    keys = {
        "Send": ("send", "send"),
        "Delivery": ("delivery", "delivery"),
        "Open": ("open", "open"),
        "Complaint": ("complaint", "complaint"),
        "Reject": ("reject", "reject"),
        "Rendering Failure": ("failure", "rendering_failure"),
        "DeliveryDelay": ("deliveryDelay", "delivery_delay"),
    }
    if kind not in keys:
        return "", None, None
    detail_key, facet = keys[kind]
    return detail_key, facet, SES_EVENT_TYPES[kind]


def _left(subscription: Mapping[str, Any]) -> bool:
    """True when the preferences now unsubscribe from everything or from a topic that was on."""
    new = subscription.get("newTopicPreferences") or {}
    if new.get("unsubscribeAll"):
        return True
    old = {
        t.get("topicName"): _status(t.get("subscriptionStatus"))
        for t in (subscription.get("oldTopicPreferences") or {}).get("topicSubscriptionStatus") or []
    }
    return any(
        _status(t.get("subscriptionStatus")) == "OPT_OUT" and old.get(t.get("topicName")) != "OPT_OUT"
        for t in new.get("topicSubscriptionStatus") or []
    )


def _status(value: Any) -> str:
    """A topic's subscription status in the API's spelling: the event record spells it `OptOut` and
    `OptIn` (the developer guide's Subscription record), the SES v2 API `OPT_OUT` and `OPT_IN`."""
    compact = str(value).replace("_", "").upper()
    return {"OPTOUT": "OPT_OUT", "OPTIN": "OPT_IN"}.get(compact, str(value))


def _subscription(detail: Mapping[str, Any]) -> dict[str, Any]:
    def topics(preferences: Mapping[str, Any] | None) -> dict[str, str]:
        return {
            str(t.get("topicName")): _status(t.get("subscriptionStatus"))
            for t in (preferences or {}).get("topicSubscriptionStatus") or []
        }

    return {
        "contact_list": detail.get("contactList"),
        "source": detail.get("source"),
        "unsubscribe_all": bool((detail.get("newTopicPreferences") or {}).get("unsubscribeAll")),
        "topics": topics(detail.get("newTopicPreferences")),
        "previous_topics": topics(detail.get("oldTopicPreferences")),
    }


def _recipients(record: Mapping[str, Any], detail_key: str) -> list[str]:
    detail = record.get(detail_key) or {}
    for key in ("bouncedRecipients", "complainedRecipients", "delayedRecipients"):
        if detail.get(key):
            return sorted(str(r.get("emailAddress")) for r in detail[key])
    return sorted(detail.get("recipients") or [])


def _mail(mail: Mapping[str, Any]) -> dict[str, Any]:
    common = mail.get("commonHeaders") or {}
    senders = common.get("from") or []
    return {
        "message_id": mail["messageId"],
        "message_send_timestamp": _iso_ms(mail.get("timestamp")),
        "from_address": mail.get("source"),
        "destination": list(mail.get("destination") or []),
        "headers_truncated": bool(mail.get("headersTruncated", False)),
        "headers": [{"name": h.get("name"), "value": h.get("value")} for h in mail.get("headers") or []],
        "common_headers": {
            "from": senders[0] if isinstance(senders, list) and senders else senders or None,
            "to": list(common.get("to") or []),
            "subject": common.get("subject"),
        },
    }


def _snake(value: Any) -> Any:
    """SES's camelCase detail in the snake_case of Pinpoint's facets (`reportingMTA` becomes
    `reporting_mta`); the names of link tags are data and keep their spelling."""
    if type(value) in _SCALARS:  # most of a detail: answered before the slower Mapping check
        return value
    if isinstance(value, Mapping):
        return {_snake_name(str(k)): (dict(v) if k == "linkTags" else _snake(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


@functools.lru_cache(maxsize=4096)  # SES's detail uses a few dozen names, over and over
def _snake_name(name: str) -> str:
    out: list[str] = []
    for i, char in enumerate(name):
        upper_run_ends = i + 1 < len(name) and name[i + 1].islower()
        if char.isupper() and i and (not name[i - 1].isupper() or upper_run_ends):
            out.append("_")
        out.append(char.lower())
    return "".join(out)


def _iso_ms(value: Any) -> int | None:
    if not value:
        return None
    try:
        return int(datetime.fromisoformat(str(value)).timestamp() * 1000)  # "Z" too, since 3.11
    except ValueError as exc:
        raise ValidationError("timestamp", f"not an ISO 8601 time: {value!r}") from exc


# --- SMS and voice ----------------------------------------------------------------------------------
def from_sms(record: Mapping[str, Any]) -> Normalised:
    kind = str(record.get("eventType") or "")
    prefix = {"TEXT": "_SMS", "VOICE": "_VOICE"}.get(kind.split("_", 1)[0])
    if prefix is None:
        return Normalised(None, f"{kind or 'an untyped event'} has no engagement event; kept raw only")
    raw_context = record.get("context") or {}
    if not isinstance(raw_context, Mapping):
        raise ValidationError("context", "the message's context is a map of strings")
    context = unpack(raw_context)
    if not context.get("application_id"):
        return Normalised(None, "no application_id in the message's context: kept raw only")
    status = str(record.get("messageStatus") or "")
    if not record.get("isFinal"):
        if context.get("request_id"):
            return Normalised(None, "the sender recorded this send itself")
        outcome = "BUFFERED"
    elif status == "OPTED_OUT":
        outcome = "OPTOUT"
    else:
        outcome = "SUCCESS" if status in SUCCESS_STATUSES else "FAILURE"
    at = int(record.get("eventTimestamp") or 0) or None
    # A message has one outcome: a final event's id is its message's and its outcome's, so a second
    # final report of the same outcome (the carrier's acceptance, then the handset's receipt, both
    # final) is the same event, put once, and the message is counted and priced once.
    identity = f"final#{outcome}" if record.get("isFinal") else f"{kind}#{at}"
    attributes = {
        **{k: str(v) for k, v in context.items() if k in OWN_TAGS},
        "channel_type": "SMS" if prefix == "_SMS" else "VOICE",
        "sender_request_id": str(context.get("request_id") or record["messageId"]),
        "destination_phone_number": str(record.get("destinationPhoneNumber") or ""),
        "origination_phone_number": str(record.get("originationPhoneNumber") or ""),
        "record_status": status,
        "iso_country_code": str(record.get("isoCountryCode") or ""),
        "number_of_message_parts": str(record.get("totalMessageParts") or 1),
        "message_id": str(record["messageId"]),
        "message_type": str(record.get("messageType") or ""),
        "customer_context": json.dumps(context, sort_keys=True),
    }
    metrics = {
        "price_in_millicents_usd": round(float(record.get("totalMessagePrice") or 0) * MILLICENTS_PER_USD, 3),
        "carrier_fee_in_millicents_usd": round(
            float(record.get("totalCarrierFee") or 0) * MILLICENTS_PER_USD, 3
        ),
    }
    return Normalised(
        Event(
            event_type=f"{prefix}.{outcome}",
            app_id=str(context["application_id"]),
            endpoint_id=str(context.get("endpoint_id") or f"message-{record['messageId']}"),
            attributes={k: v for k, v in attributes.items() if v},
            metrics=metrics,
            timestamp_ms=at,
            event_id=uuid5_text(EVENT_IDS, f"sms#{record['messageId']}#{identity}"),
        )
    )


# --- onto the stream --------------------------------------------------------------------------------
def stream_put(stream: EventStream) -> Callable[[dict[str, Any]], str]:
    """Puts one event, given as the dict of its fields (what an idempotency layer can key and keep),
    on the stream; returns its id."""

    def put(event: dict[str, Any]) -> str:
        emit([Event(**event)], stream)
        return event["event_id"]

    return put


def _no_context(_context: Any) -> None:
    return None


@dataclass(frozen=True)
class ChannelEvents:
    """A channel record from the queue, onto the stream as its engagement event, or kept raw only."""

    put_once: Callable[..., Any]  # put_once(event=<the event's fields>): on the stream once per event id
    started: Callable[[Any], None] = _no_context  # given each invocation's Lambda context first

    def take(self, body: str) -> Normalised:
        record = sns_document(body)
        outcome = normalise(record)
        if outcome.event is None:
            metrics.add_metric(name="ChannelEventsKeptRawOnly", unit="Count", value=1)
            logger.info(
                "kept raw only", extra={"event_type": record.get("eventType"), "reason": outcome.reason}
            )
            return outcome
        self.put_once(event=dataclasses.asdict(outcome.event))
        metrics.add_metric(name="ChannelEventsNormalised", unit="Count", value=1)
        return outcome
