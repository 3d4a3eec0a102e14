"""One message to send, as it travels on the send queue: to one endpoint (or one ad hoc address, as
Pinpoint's SendMessages `Addresses` allow), on one channel, from one campaign run or one
transactional request, with the message's content or the template to render at send time.

The body of a queue message:

    {"ApplicationId": "...", "RequestId": "<campaign id or request id>", "ActivityId": "...",
     "EndpointId": "..." | "Address": "...", "ChannelType": "EMAIL" | "SMS" | "VOICE",
     "Transactional": false, "CampaignId": "...", "TreatmentId": "0",
     "Message": {"TemplateName": "...", "TemplateVersion": "2"} | {"Subject": ..., "HtmlPart": ...,
                 "TextPart": ..., "Body": ..., "FromAddress": ..., "MessageType": ..., "VoiceId": ...,
                 "OriginationNumber": ...},
     "Substitutions": {"Offer": ["10%"]},
     "MessagesPerSecond": 20, "NotAfter": <epoch seconds>,
     "HeldSince": <epoch seconds>, "HeldUntil": <epoch seconds>, "Context": {"retry_of": "..."},
     "QuietTime": {"Start": "22:00", "End": "08:00"}, "QuietTimeAction": "SKIP" | "HOLD",
     "Caps": {"Daily": 1, "Total": 5, "Timeframe": 3, "TimeframeDays": 7, "AppDaily": 3},
     "KeywordReply": "OPT_OUT" | "OPT_IN" | "HELP"}

A campaign's MessagesPerSecond paces its sends; past NotAfter (its MaximumDuration after the run
started) a message is no longer sent, but settled as skipped. QuietTime and Caps are checked by the
sender right before the send (engage.sending.quiet_time; the caps per rolling 24 hours and in all,
the application's across its campaigns). A KeywordReply answers the recipient's own STOP, START or
HELP: the opt-out confirmation is the one message that goes to a number that just opted out.

(request, activity, endpoint) is what a send is idempotent on: the same triple is sent at most once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engage.addresses import address_key, check_address, parse_channel
from engage.contacts.model import check_app_id
from engage.envelopes import json_object
from engage.errors import ValidationError
from engage.sending.caps import CAP_NAMES
from engage.sending.quiet_time import SKIP, check_action, check_quiet_time
from engage.sending.sending_hours import ESTIMATION_METHODS, check_closed_days, check_open_hours

# PUSH: whichever push platform the endpoint is on; CUSTOM: a custom channel (Message.DeliveryUri)
# CONTACT_CENTER: a phone endpoint queued in an Amazon Connect outbound campaign (a journey's activity)
CHANNELS = ("EMAIL", "SMS", "VOICE", "PUSH", "CUSTOM", "CONTACT_CENTER")
TEXT_PARTS = ("Subject", "HtmlPart", "TextPart", "Body", "Title")  # rendered for the endpoint
OPTIONS = (  # passed to the channel as they are
    "FromAddress",
    "FromName",
    "MessageType",
    "VoiceId",
    "LanguageCode",
    "OriginationNumber",
    "Action",
    "Url",
    "ImageUrl",
)
CUSTOM_FIELDS = ("DeliveryUri", "Data")  # a custom channel's destination and its custom data
CONTACT_CENTER_FIELDS = ("ConnectCampaignArn", "ConnectCampaignExecutionRoleArn")
ATTACHMENT_FIELDS = ("Attachments",)  # an email's files (engage.extensions.attachments)
CONTENT_FIELDS = TEXT_PARTS + OPTIONS + CUSTOM_FIELDS + ATTACHMENT_FIELDS + CONTACT_CENTER_FIELDS
TEMPLATE_FIELDS = ("TemplateName", "TemplateVersion")
MAX_ID_LENGTH = 128
KEYWORD_REPLIES = ("OPT_OUT", "OPT_IN", "HELP")
_RECIPIENT = re.compile(r"^address-[0-9a-f]{32}$")


@dataclass(frozen=True)
class SendRequest:
    app_id: str
    request_id: str
    channel: str
    message: Mapping[str, Any]
    endpoint_id: str | None = None
    address: str | None = None
    activity_id: str = ""
    campaign_id: str | None = None
    treatment_id: str | None = None
    transactional: bool = False
    substitutions: Mapping[str, Any] = field(default_factory=dict)
    recipient: str | None = None  # an ad hoc address's pseudonym (address_recipient)
    max_rate: float | None = None  # the campaign's Limits.MessagesPerSecond
    not_after: float | None = None  # epoch seconds: the campaign's MaximumDuration runs out
    held_since: float | None = None  # epoch seconds: first held back (no room in the rate, or paused)
    held_until: float | None = None  # epoch seconds: its place in the rate's line of held sends
    context: Mapping[str, str] = field(default_factory=dict)  # more tags for the message's events
    quiet_time: Mapping[str, str] | None = None  # {"Start": "HH:MM", "End": "HH:MM"} in the endpoint's zone
    quiet_time_action: str = SKIP  # SKIP (Pinpoint's campaigns) or HOLD until quiet time ends
    caps: Mapping[str, int] = field(default_factory=dict)  # Daily and Total per endpoint, AppDaily
    # A journey's sending schedule for this channel (engage.sending.sending_hours), in the
    # endpoint's zone, or the one its phone number gives (ZoneEstimation: PHONE_NUMBER).
    open_hours: Mapping[str, Any] | None = None
    closed_days: Sequence[Mapping[str, str]] | None = None
    zone_estimation: tuple[str, ...] = ()
    keyword_reply: str | None = None  # OPT_OUT, OPT_IN or HELP: the answer to the recipient's keyword

    def __post_init__(self) -> None:
        if self.address is not None and not (self.recipient and _RECIPIENT.match(self.recipient)):
            raise ValidationError("RecipientId", "an address send carries its pseudonym (address_recipient)")

    @property
    def recipient_id(self) -> str:
        """The endpoint id, or for an ad hoc address its keyed pseudonym (the address itself never
        becomes a key, an archive path or an event's client id)."""
        return self.endpoint_id or str(self.recipient)

    @property
    def key(self) -> str:
        return f"{self.app_id}#{self.request_id}#{self.activity_id or '-'}#{self.recipient_id}"

    def to_body(self) -> str:
        return json.dumps(self.to_document(), separators=(",", ":"), ensure_ascii=False)

    def to_document(self) -> dict[str, Any]:
        """The queue message's body as a JSON object (to_body writes it)."""
        document: dict[str, Any] = {
            "ApplicationId": self.app_id,
            "RequestId": self.request_id,
            "ChannelType": self.channel,
            "Message": dict(self.message),
            "Transactional": self.transactional,
        }
        optional = {
            "EndpointId": self.endpoint_id,
            "Address": self.address,
            "ActivityId": self.activity_id,
            "CampaignId": self.campaign_id,
            "TreatmentId": self.treatment_id,
            "Substitutions": dict(self.substitutions) or None,
            "RecipientId": self.recipient,
            "MessagesPerSecond": self.max_rate,
            "NotAfter": self.not_after,
            "HeldSince": self.held_since,
            "HeldUntil": self.held_until,
            "Context": dict(self.context) or None,
            "QuietTime": dict(self.quiet_time) if self.quiet_time else None,
            "QuietTimeAction": self.quiet_time_action if self.quiet_time_action != SKIP else None,
            "Caps": dict(self.caps) or None,
            "KeywordReply": self.keyword_reply,
            "OpenHours": dict(self.open_hours) if self.open_hours else None,
            "ClosedDays": list(self.closed_days) if self.closed_days else None,
            "ZoneEstimation": list(self.zone_estimation) or None,
        }
        document.update({k: v for k, v in optional.items() if v})
        return document


def address_recipient(key: bytes, app_id: str, channel: str, address: str) -> str:
    """The pseudonym an ad hoc address is sent, archived and reported under: an HMAC of its
    normalised form under the erasure key, so every spelling of the address gets the same one,
    erasure can find its archive, and nobody without the key can tell which address it is."""
    normalised = f"{app_id}\0{channel}:{address_key(parse_channel(channel), address)}"
    return f"address-{hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()[:32]}"


def parse_request(body: str | Mapping[str, Any]) -> SendRequest:
    """A queue message's body as a SendRequest; ValidationError naming the field when malformed."""
    body = json_object(body, "body")
    app_id = check_app_id(body.get("ApplicationId"))
    channel = body.get("ChannelType")
    if channel not in CHANNELS:
        raise ValidationError("ChannelType", f"must be one of {', '.join(CHANNELS)}")
    endpoint_id, address = body.get("EndpointId"), body.get("Address")
    if bool(endpoint_id) == bool(address):
        raise ValidationError("EndpointId", "give exactly one of EndpointId and Address")
    if address is not None and channel in ("PUSH", "CUSTOM", "CONTACT_CENTER"):
        raise ValidationError("Address", f"{channel} sends go to endpoints, not to addresses")
    if address is not None:
        address = check_address(parse_channel(channel), _text(address, "Address"))
    message = body.get("Message")
    if not isinstance(message, Mapping):
        raise ValidationError("Message", "must be an object")
    unknown = set(message) - set(CONTENT_FIELDS) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError(f"Message.{sorted(unknown)[0]}", "is not a message field")
    if "TemplateName" in message and set(message) & set(TEXT_PARTS):
        raise ValidationError("Message", "give a TemplateName or the content, not both")
    if channel == "CUSTOM" and not isinstance(message.get("DeliveryUri"), str):
        raise ValidationError(
            "Message.DeliveryUri", "a custom channel needs a Lambda function or an https URL"
        )
    for name in CONTACT_CENTER_FIELDS if channel == "CONTACT_CENTER" else ():
        if not isinstance(message.get(name), str) or not message[name]:
            raise ValidationError(f"Message.{name}", "a contact center send names the campaign and its role")
    substitutions = body.get("Substitutions") or {}
    if not isinstance(substitutions, Mapping):
        raise ValidationError("Substitutions", "must be an object of names to lists of values")
    return SendRequest(
        app_id=app_id,
        request_id=_id(body.get("RequestId"), "RequestId"),
        channel=channel,
        message=dict(message),
        endpoint_id=_id(endpoint_id, "EndpointId") if endpoint_id else None,
        address=address,
        activity_id=_id(body.get("ActivityId"), "ActivityId") if body.get("ActivityId") else "",
        campaign_id=_id(body.get("CampaignId"), "CampaignId") if body.get("CampaignId") else None,
        treatment_id=str(body["TreatmentId"]) if body.get("TreatmentId") is not None else None,
        transactional=_flag(body.get("Transactional", False)),
        substitutions=dict(substitutions),
        recipient=body.get("RecipientId"),
        max_rate=_positive(body.get("MessagesPerSecond"), "MessagesPerSecond", "a positive number"),
        not_after=_positive(body.get("NotAfter"), "NotAfter", "epoch seconds"),
        held_since=_positive(body.get("HeldSince"), "HeldSince", "epoch seconds"),
        held_until=_positive(body.get("HeldUntil"), "HeldUntil", "epoch seconds"),
        context=_tags_map(body.get("Context")),
        quiet_time=check_quiet_time(body["QuietTime"]) if body.get("QuietTime") else None,
        quiet_time_action=check_action(body.get("QuietTimeAction", SKIP)),
        caps=_caps(body.get("Caps")),
        keyword_reply=_keyword_reply(body.get("KeywordReply")),
        open_hours=check_open_hours(body["OpenHours"]) if body.get("OpenHours") else None,
        closed_days=check_closed_days(body["ClosedDays"]) if body.get("ClosedDays") else None,
        zone_estimation=_estimation(body.get("ZoneEstimation")),
    )


def _estimation(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or set(value) - set(ESTIMATION_METHODS):
        raise ValidationError("ZoneEstimation", f"must be a list of {', '.join(ESTIMATION_METHODS)}")
    return tuple(value)


def _caps(value: object) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or set(value) - set(CAP_NAMES):
        raise ValidationError("Caps", f"must be an object of {', '.join(CAP_NAMES)}")
    for name, cap in value.items():
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise ValidationError(f"Caps.{name}", "must be a whole number of messages, 0 for no cap")
    return {name: cap for name, cap in value.items() if cap}


def _keyword_reply(value: object) -> str | None:
    if value is None:
        return None
    if value not in KEYWORD_REPLIES:
        raise ValidationError("KeywordReply", f"must be one of {', '.join(KEYWORD_REPLIES)}")
    return str(value)


def _tags_map(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValidationError("Context", "must be an object of strings")
    return dict(value)


def _positive(value: object, field: str, meaning: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValidationError(field, f"must be {meaning}")
    return float(value)


def _id(value: object, name: str) -> str:
    text = _text(value, name)
    if len(text) > MAX_ID_LENGTH or "#" in text:
        raise ValidationError(name, f"must be at most {MAX_ID_LENGTH} characters without '#'")
    return text


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(name, "is required")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("Transactional", "must be true or false")
    return value
