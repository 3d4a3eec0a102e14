"""Inbound SMS (two-way SMS through SNS) as the consent-revocation rule requires: the reply is read
(engage.sms_keywords); a revocation opts the number out of the application everywhere at once (the
consent store for SMS and VOICE, every endpoint with the number, the End User Messaging opt-out
list) and gets one confirmation without marketing content; only an explicit opt-in reinstates; help
gets the help text; everything is published for other systems, and the rest is left to a
conversation handler."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.addresses import check_address
from engage.consent import ConsentStatus, consent_record
from engage.envelopes import json_object
from engage.errors import ValidationError
from engage.sms_keywords import Intent, Keywords

SOURCE = "sms-keyword"
CHANNELS = ("SMS", "VOICE")
DEFAULT_OPT_OUT_REPLY = (
    "You are unsubscribed and will receive no more messages from us. Reply START to resubscribe."
)
DEFAULT_OPT_IN_REPLY = "You are subscribed again. Reply STOP to unsubscribe, HELP for help."
DEFAULT_HELP_REPLY = "Reply STOP to unsubscribe, START to resubscribe."


@dataclass(frozen=True)
class InboundSms:
    message_id: str
    customer: str  # E.164, the number that wrote to us
    our_number: str  # the origination identity it wrote to
    body: str
    keyword: str | None = None
    received_at: str | None = None  # ISO 8601; the same on every retry of the message (None: now)


def parse_inbound(document: Any, received_at: str | None = None) -> InboundSms:
    """The message End User Messaging publishes to a number's two-way SNS channel; `received_at` is
    when it arrived (the consent decision's time: a retry must not make it a newer decision)."""
    document = json_object(document, "message")
    for name in ("inboundMessageId", "originationNumber", "destinationNumber"):
        if not isinstance(document.get(name), str) or not document[name].strip():
            raise ValidationError(name, "is missing")
    body = document.get("messageBody")
    if not isinstance(body, str):
        raise ValidationError("messageBody", "is missing")
    return InboundSms(
        document["inboundMessageId"],
        check_address("SMS", document["originationNumber"]),
        document["destinationNumber"].strip(),
        body,
        document.get("messageKeyword") or None,
        received_at,
    )


@dataclass(frozen=True)
class Replies:
    opt_out: str = DEFAULT_OPT_OUT_REPLY
    opt_in: str = DEFAULT_OPT_IN_REPLY
    help: str = DEFAULT_HELP_REPLY


class Consents(Protocol):
    def record(self, record: Any) -> bool: ...
    def get(self, app_id: str, channel: str, address: str) -> Any: ...


class Endpoints(Protocol):
    def find_by_address(self, app_id: str, channel: str, address: str) -> Sequence[Mapping[str, Any]]: ...
    def upsert(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> Any: ...


class OptOutList(Protocol):
    def add(self, number: str) -> None: ...
    def remove(self, number: str) -> None: ...


class Outlets(Protocol):
    """What leaves the processor; each is safe to call again for the same message (replays)."""

    def reply(self, inbound: InboundSms, text: str) -> None: ...
    def publish(
        self, inbound: InboundSms, app_id: str, intent: Intent, outcome: Mapping[str, Any]
    ) -> None: ...
    def audit(self, inbound: InboundSms, app_id: str) -> None: ...


@dataclass
class Outcome:
    intent: Intent
    app_id: str
    opted_out: bool = False
    opted_in: bool = False
    endpoints: list[str] = field(default_factory=list)
    replied: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "intent": self.intent.value,
            "opted_out": self.opted_out,
            "opted_in": self.opted_in,
            "endpoints": self.endpoints,
            "replied": self.replied,
        }


def application_for(our_number: str, applications: Mapping[str, str]) -> str:
    """The application whose audience writes to `our_number` (`*` for any other number)."""
    app_id = applications.get(our_number) or applications.get("*")
    if not app_id:
        raise ValidationError("destinationNumber", f"{our_number} belongs to no application here")
    return app_id


def handle(
    inbound: InboundSms,
    app_id: str,
    classifier: Keywords,
    consents: Consents,
    endpoints: Endpoints,
    opt_out_list: OptOutList,
    outlets: Outlets,
    replies: Replies = Replies(),
) -> Outcome:
    outcome = Outcome(classifier.classify(inbound.body), app_id)
    current = consents.get(app_id, "SMS", inbound.customer)
    opted_out = current is not None and current.status == ConsentStatus.OPTED_OUT
    if outcome.intent in (Intent.OPT_OUT, Intent.PROBABLE_OPT_OUT):
        # Opted out by an earlier message: confirmed then, and never again. Opted out by this one:
        # a retry, and the reply outlet sends this message's confirmation at most once.
        confirmed_before = opted_out and current.source_message_id != inbound.message_id
        _set_consent(inbound, app_id, ConsentStatus.OPTED_OUT, consents)
        outcome.endpoints = _set_endpoints(inbound, app_id, "ALL", endpoints)
        if not confirmed_before:  # before the number joins the list the service enforces
            outlets.reply(inbound, replies.opt_out)
            outcome.replied = True
        opt_out_list.add(inbound.customer)
        outcome.opted_out = True
        if outcome.intent == Intent.PROBABLE_OPT_OUT:
            outlets.audit(inbound, app_id)
    elif outcome.intent == Intent.OPT_IN:
        if opted_out:
            opt_out_list.remove(inbound.customer)
            _set_consent(inbound, app_id, ConsentStatus.OPTED_IN, consents)
            outcome.endpoints = _set_endpoints(inbound, app_id, "NONE", endpoints)
            outlets.reply(inbound, replies.opt_in)
            outcome.opted_in = outcome.replied = True
    elif outcome.intent == Intent.HELP and not opted_out:  # the service refuses a listed number
        outlets.reply(inbound, replies.help)
        outcome.replied = True
    outlets.publish(inbound, app_id, outcome.intent, outcome.summary())
    return outcome


def _set_consent(inbound: InboundSms, app_id: str, status: ConsentStatus, consents: Consents) -> None:
    for channel in CHANNELS:
        consents.record(
            consent_record(
                app_id, channel, inbound.customer, status, SOURCE, inbound.received_at, inbound.message_id
            )
        )


def _set_endpoints(inbound: InboundSms, app_id: str, opt_out: str, endpoints: Endpoints) -> list[str]:
    changed = []
    for endpoint in endpoints.find_by_address(app_id, "SMS", inbound.customer):  # SMS and VOICE ones
        if endpoint.get("OptOut") != opt_out:
            endpoints.upsert(app_id, str(endpoint["Id"]), {"OptOut": opt_out})
        changed.append(str(endpoint["Id"]))
    return sorted(changed)
