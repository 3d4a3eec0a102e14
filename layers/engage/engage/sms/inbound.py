"""Inbound SMS (two-way SMS through SNS) as the consent-revocation rule requires: the reply is read
(engage.sms.keywords); a revocation opts the number out of the application (the brand) everywhere
at once (the consent store for SMS and VOICE, every endpoint with the number, the brand's End User
Messaging opt-out list) and gets one confirmation without marketing content; only an explicit
opt-in to the same brand reinstates; help gets the brand's help text; everything is published for
other systems, and the rest is left to a conversation handler.

Answers go through the send path (a send request per answer, keyed by the inbound message, so a
replayed message is answered once), with the checks every message gets. The opt-out confirmation
is the one message allowed to the number that just opted out, and the number joins the brand's
opt-out list once it is settled (End User Messaging refuses a text to a listed number)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.addresses import check_address
from engage.consent import ConsentStatus, consent_record
from engage.envelopes import json_object
from engage.errors import ValidationError
from engage.sending.request import SendRequest
from engage.sms.keywords import Intent, Keywords

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


def replies_by_brand(settings: Mapping[str, str]) -> Callable[[str], Replies]:
    """Each brand's answers, from the function's settings: the stack's defaults (OPT_OUT_REPLY,
    OPT_IN_REPLY, HELP_REPLY) and each brand's own (SMS_BRAND_REPLIES)."""
    names = (("opt_out", "OPT_OUT_REPLY"), ("opt_in", "OPT_IN_REPLY"), ("help", "HELP_REPLY"))
    defaults = Replies(**{name: settings[key] for name, key in names if settings.get(key)})
    brands = brand_replies(settings.get("SMS_BRAND_REPLIES"), defaults)
    return lambda app_id: brands.get(app_id, defaults)


def brand_replies(text: str | None, defaults: Replies) -> dict[str, Replies]:
    """Each brand's own answers from `{"<application id>": {"OptOut": ..., "OptIn": ...,
    "Help": ...}}` (what a brand does not set is the stack's default); a malformed map fails at once."""
    document = json_object(text or "{}", "SMS_BRAND_REPLIES")
    brands = {}
    for app_id, answers in document.items():
        if not isinstance(answers, Mapping) or set(answers) - {"OptOut", "OptIn", "Help"}:
            raise ValidationError(f"SMS_BRAND_REPLIES.{app_id}", "give OptOut, OptIn and Help texts")
        if not all(isinstance(v, str) and v.strip() for v in answers.values()):
            raise ValidationError(f"SMS_BRAND_REPLIES.{app_id}", "each answer is a non-empty text")
        brands[app_id] = Replies(
            answers.get("OptOut", defaults.opt_out),
            answers.get("OptIn", defaults.opt_in),
            answers.get("Help", defaults.help),
        )
    return brands


def reply_request(
    inbound: InboundSms, app_id: str, keyword: str, text: str, pseudonym: Callable[[str, str, str], str]
) -> SendRequest:
    """The answer to an inbound keyword as a send request: TRANSACTIONAL, from the number the
    customer wrote to, to their number (under its pseudonym), keyed by the inbound message so that
    it is sent once however often the message is read."""
    return SendRequest(
        app_id=app_id,
        request_id=f"sms-{inbound.message_id}",
        activity_id=keyword.lower().replace("_", "-"),
        channel="SMS",
        address=inbound.customer,
        recipient=pseudonym(app_id, "SMS", inbound.customer),
        message={"Body": text, "MessageType": "TRANSACTIONAL", "OriginationNumber": inbound.our_number},
        transactional=True,
        keyword_reply=keyword,
        context={"inbound_message_id": inbound.message_id},
    )


class Consents(Protocol):
    def record(self, record: Any) -> bool: ...
    def get(self, app_id: str, channel: str, address: str) -> Any: ...


class Endpoints(Protocol):
    def find_by_address(self, app_id: str, channel: str, address: str) -> Sequence[Mapping[str, Any]]: ...
    def upsert(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> Any: ...


class OptOutList(Protocol):
    """The brands' opt-out lists: `app_id`'s, which `origination` (our number) is associated with."""

    def add(self, app_id: str, origination: str, number: str) -> None: ...
    def remove(self, app_id: str, origination: str, number: str) -> None: ...


class Outlets(Protocol):
    """What leaves the processor; each is safe to call again for the same message (replays)."""

    def reply(self, inbound: InboundSms, app_id: str, keyword: str, text: str) -> None:
        """Queues the answer (`keyword`: OPT_OUT, OPT_IN or HELP) to the customer, from the number
        they wrote to; sent once per inbound message."""
        ...

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


def application_for(our_number: str, applications: Mapping[str, str], tagged: str | None = None) -> str:
    """The application (brand) whose audience writes to `our_number`: the one the number is tagged
    with (`engage:ApplicationId`), else the one the stack's map names for it (`*` for any other)."""
    app_id = tagged or applications.get(our_number) or applications.get("*")
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
        if confirmed_before:
            opt_out_list.add(app_id, inbound.our_number, inbound.customer)
        else:  # the number joins the brand's list once the confirmation is settled (the sender)
            outlets.reply(inbound, app_id, "OPT_OUT", replies.opt_out)
            outcome.replied = True
        outcome.opted_out = True
        if outcome.intent == Intent.PROBABLE_OPT_OUT:
            outlets.audit(inbound, app_id)
    elif outcome.intent == Intent.OPT_IN:
        if opted_out:
            opt_out_list.remove(app_id, inbound.our_number, inbound.customer)
            _set_consent(inbound, app_id, ConsentStatus.OPTED_IN, consents)
            outcome.endpoints = _set_endpoints(inbound, app_id, "NONE", endpoints)
            outlets.reply(inbound, app_id, "OPT_IN", replies.opt_in)
            outcome.opted_in = outcome.replied = True
    elif outcome.intent == Intent.HELP and not opted_out:  # the service refuses a listed number
        outlets.reply(inbound, app_id, "HELP", replies.help)
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


class Brands(Protocol):
    def of(self, number: str) -> str | None:
        """The application (brand) a number of ours is tagged with, or None."""
        ...


class Applications(Protocol):
    def require(self, app_id: str) -> Any:
        """Raises unless the application exists."""
        ...


@dataclass(frozen=True)
class Handled:
    inbound: InboundSms
    app_id: str
    outcome: Outcome


@dataclass
class InboundProcessor:
    """One message of a number's two-way channel, from its document to its outcome: read, given to
    the brand its number belongs to, and handled (`handle`) with that brand's answers."""

    classifier: Keywords
    applications: Mapping[str, str]  # the stack's map: our number (or "*") to its application
    replies: Callable[[str], Replies]  # each brand's answers
    brands: Brands
    known_applications: Applications
    consents: Consents
    endpoints: Endpoints
    opt_out_list: OptOutList
    outlets: Outlets

    def receive(self, document: Any, received_at: str | None = None) -> Handled:
        """`received_at`: when the message arrived, the same on every retry (see parse_inbound)."""
        inbound = parse_inbound(document, received_at)
        app_id = application_for(inbound.our_number, self.applications, self.brands.of(inbound.our_number))
        self.known_applications.require(app_id)  # else the message waits in the DLQ for the app
        outcome = handle(
            inbound,
            app_id,
            self.classifier,
            self.consents,
            self.endpoints,
            self.opt_out_list,
            self.outlets,
            self.replies(app_id),
        )
        return Handled(inbound, app_id, outcome)
