"""Email attachments as a campaign channel (A25): a custom channel that sends each email endpoint
of the batch the campaign's email template, rendered for it, with files from S3 attached, or, when
the message would be larger than SES allows, with pre-signed links to them instead.

The campaign's custom data (`CustomMessage.Data`) says what to send, as a JSON object:

    {"template": "invoice-mail", "from": "billing@example.com",
     "attachments": [{"key": "invoices/{{EndpointId}}.pdf", "name": "invoice.pdf"},
                     {"key": "shared/terms.pdf"}],
     "mode": "AUTO", "link_hours": 6}

`key` may name one file for everybody or, with `{{EndpointId}}`, one per recipient; `mode` is
AUTO (attach, or link when too large), ATTACH (a message too large fails) or LINK. Links are SigV4
pre-signed with the function's temporary role credentials, which end a link's life when they
expire whatever its own expiry says: `link_hours` is therefore 1 to 6 (longer-lived links would need
long-lived signing keys, such as CloudFront's). Malformed data is
refused for the whole batch with the field and the reason; a missing file fails its recipient only.
Each recipient's send is claimed in the send ledger first, so a batch delivered again sends nobody a
second email. Every failure or skip is an event (`_attachments.failed`, `_attachments.skipped`);
what is sent reports through SES's own events (tagged with the application, endpoint and campaign).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any, Protocol

from engage.errors import DeliveryRefusedError, NotSentError, ValidationError
from engage.events import Event
from engage.messages.channel_sends import send_once
from engage.messages.ledger import Ledger, Status
from engage.messages.mime import Attachment, build_email
from engage.retry import Backoff
from engage.templates.model import render_template

SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # SES v2's limit on a raw message, encoded
MODES = ("AUTO", "ATTACH", "LINK")
MAX_ATTACHMENTS = 10
MAX_LINK_HOURS = 6  # within the life of the role credentials that sign the links
RECIPIENT = "{{EndpointId}}"


@dataclass(frozen=True)
class FileSpec:
    key: str
    name: str

    def key_for(self, endpoint_id: str) -> str:
        return self.key.replace(RECIPIENT, endpoint_id)


@dataclass(frozen=True)
class Order:
    template: str
    from_address: str
    files: tuple[FileSpec, ...]
    mode: str = "AUTO"
    link_hours: int = MAX_LINK_HOURS


def parse_order(data: object) -> Order:
    """The campaign's custom data as an Order; ValidationError naming the field otherwise."""
    try:
        document = json.loads(data) if isinstance(data, str) else data
    except json.JSONDecodeError as exc:
        raise ValidationError("Data", f"is not JSON: {exc.msg}") from None
    if not isinstance(document, Mapping):
        raise ValidationError("Data", "must be a JSON object with template, from and attachments")
    unknown = set(document) - {"template", "from", "attachments", "mode", "link_hours"}
    if unknown:
        raise ValidationError(f"Data.{sorted(unknown)[0]}", "is not a field of the attachment order")
    template, sender = document.get("template"), document.get("from")
    if not isinstance(template, str) or not template.strip():
        raise ValidationError("Data.template", "names the email template to send")
    if not isinstance(sender, str) or sender.count("@") != 1:
        raise ValidationError("Data.from", "is the verified address the email comes from")
    files = document.get("attachments")
    if not isinstance(files, list) or not 1 <= len(files) <= MAX_ATTACHMENTS:
        raise ValidationError("Data.attachments", f"lists 1 to {MAX_ATTACHMENTS} files")
    specs = []
    for n, item in enumerate(files):
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str) or not item["key"].strip():
            raise ValidationError(f"Data.attachments[{n}].key", "is the file's S3 key")
        if ".." in item["key"].split("/") or item["key"].startswith("/"):
            raise ValidationError(f"Data.attachments[{n}].key", "is a plain key under the attachments prefix")
        name = item.get("name") or item["key"].rsplit("/", 1)[-1].replace(RECIPIENT, "file")
        if not isinstance(name, str) or any(c in name for c in '/\\"\r\n'):
            raise ValidationError(f"Data.attachments[{n}].name", "is a plain file name")
        specs.append(FileSpec(item["key"], name))
    mode = str(document.get("mode", "AUTO")).upper()
    if mode not in MODES:
        raise ValidationError("Data.mode", f"is one of {', '.join(MODES)}")
    hours = document.get("link_hours", MAX_LINK_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_LINK_HOURS:
        raise ValidationError("Data.link_hours", f"is 1 to {MAX_LINK_HOURS} (a pre-signed link's lifetime)")
    return Order(template, sender, tuple(specs), mode, hours)


@dataclass(frozen=True)
class Letter:
    """One recipient's email of a batch: what the order and template make of their endpoint."""

    payload: Mapping[str, Any]
    order: Order
    template: Mapping[str, Any]
    endpoint_id: str
    endpoint: Mapping[str, Any]


class Files(Protocol):
    def size(self, key: str) -> int | None:
        """The file's size in bytes, None when it does not exist."""
        ...

    def read(self, key: str) -> bytes: ...
    def link(self, key: str, seconds: int) -> str:
        """A pre-signed GET URL."""
        ...


class TemplateReader(Protocol):
    def get(self, kind: str, name: str, version: int | str | None = None) -> dict[str, Any]: ...


class EmailSender(Protocol):
    def send(self, raw: bytes, sender: str, recipient: str, tags: Mapping[str, str] | None = None) -> str: ...


@dataclass
class Outcome:
    sent: dict[str, str] = field(default_factory=dict)  # endpoint id: SES MessageId
    linked: list[str] = field(default_factory=list)  # sent with links instead of files
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


def estimated_size(sizes: list[int], body_bytes: int) -> int:
    """A message's size once its files are base64-encoded (4/3, plus line breaks)."""
    return body_bytes + sum(size * 4 // 3 + size // 57 * 2 + 1024 for size in sizes)


@dataclass
class AttachmentMailer:
    templates: TemplateReader
    files: Files
    email: EmailSender
    ledger: Ledger
    clock: Callable[[], float]
    max_message_bytes: int = SES_MAX_MESSAGE_BYTES
    backoff: Backoff = field(default_factory=Backoff)

    def deliver(self, payload: Mapping[str, Any], deadline: float) -> Outcome:
        """Sends the batch's emails until `deadline` (epoch seconds); recipients left when it
        passes are reported failed (OUT_OF_TIME), never silently dropped."""
        endpoints = payload.get("Endpoints")
        if not isinstance(endpoints, Mapping):
            raise ValidationError(
                "Endpoints", "the custom delivery payload carries the batch's Endpoints map"
            )
        outcome = Outcome()
        try:
            order = parse_order(payload.get("Data"))
            template = self.templates.get("EMAIL", order.template)
        except ValidationError as exc:  # the campaign's fault: every recipient fails, said once
            for endpoint_id in endpoints:
                self._failed(outcome, payload, endpoint_id, f"{exc.field}: {exc.reason}")
            return outcome
        for endpoint_id, endpoint in endpoints.items():
            if endpoint.get("ChannelType") != "EMAIL" or not endpoint.get("Address"):
                outcome.skipped[endpoint_id] = "NOT_AN_EMAIL_ENDPOINT"
                outcome.events.append(
                    _event(payload, endpoint_id, "_attachments.skipped", "NOT_AN_EMAIL_ENDPOINT")
                )
            elif self.clock() >= deadline:
                self._failed(outcome, payload, endpoint_id, "OUT_OF_TIME")
            else:
                self._one(Letter(payload, order, template, endpoint_id, endpoint), outcome, deadline)
        return outcome

    def _one(self, letter: Letter, outcome: Outcome, deadline: float) -> None:
        payload, endpoint_id = letter.payload, letter.endpoint_id
        linked: list[bool] = []

        def send() -> str:
            try:
                message_id, as_links = self._compose_and_send(letter)
            except ValidationError as exc:  # the template, the address or the rendered subject: for good
                raise DeliveryRefusedError(f"{exc.field}: {exc.reason}"[:200], str(exc)) from exc
            linked.append(as_links)
            return message_id

        key = claim_key(payload, endpoint_id)
        attempt = send_once(self.ledger, key, send, deadline, self.backoff, self.clock)
        if attempt.outcome is None:
            self._failed(outcome, payload, endpoint_id, attempt.failure or "NOT_SENT")
        elif attempt.outcome.status == Status.SENT:
            outcome.sent[endpoint_id] = attempt.outcome.message_id or ""
            if any(linked):
                outcome.linked.append(endpoint_id)
        elif attempt.outcome.status == Status.UNCERTAIN:  # an earlier delivery died mid-send: not resent
            self._failed(outcome, payload, endpoint_id, "UNCERTAIN")
        else:  # REFUSED: a missing file, a message too large, a template that can't be rendered
            self._failed(outcome, payload, endpoint_id, attempt.outcome.reason or "REFUSED")

    def _compose_and_send(self, letter: Letter) -> tuple[str, bool]:
        payload, order, template = letter.payload, letter.order, letter.template
        endpoint_id, endpoint = letter.endpoint_id, letter.endpoint
        rendered = render_template(template, {"Id": endpoint_id, **endpoint}, {})
        subject, html, text = rendered.get("Subject"), rendered.get("HtmlPart"), rendered.get("TextPart")
        if not subject or not (html or text) or "\r" in subject or "\n" in subject:
            raise ValidationError(
                "template", f"{order.template} needs a one-line subject and an HTML or text part"
            )
        keys = [(spec, spec.key_for(endpoint_id)) for spec in order.files]
        sizes = []
        for _spec, file_key in keys:
            try:
                size = self.files.size(file_key)
            except Exception as exc:  # S3 failed before anything was sent: a later delivery may send
                raise NotSentError(f"{file_key} could not be read ({type(exc).__name__})") from exc
            if size is None:
                raise DeliveryRefusedError("ATTACHMENT_MISSING", f"{file_key} does not exist")
            sizes.append(size)
        body_bytes = len((html or "").encode()) + len((text or "").encode()) + 4096
        too_large = estimated_size(sizes, body_bytes) > self.max_message_bytes
        if order.mode == "ATTACH" and too_large:
            raise DeliveryRefusedError(
                "ATTACHMENT_TOO_LARGE", f"the message would exceed {self.max_message_bytes} bytes"
            )
        tags = _tags(payload, endpoint_id)
        address = str(endpoint["Address"])
        if order.mode == "LINK" or too_large:
            links = [
                (spec.name, self.files.link(file_key, order.link_hours * 3600)) for spec, file_key in keys
            ]
            raw = build_email(
                order.from_address,
                address,
                subject,
                _with_links(html, links, True),
                _with_links(text, links, False),
            )
            return self.email.send(raw, order.from_address, address, tags), True
        try:
            files = [
                Attachment(spec.name, _content_type(spec.name), self.files.read(file_key))
                for spec, file_key in keys
            ]
        except Exception as exc:
            raise NotSentError(f"the files could not be read ({type(exc).__name__})") from exc
        raw = build_email(order.from_address, address, subject, html, text, attachments=files)
        return self.email.send(raw, order.from_address, address, tags), False

    def _failed(self, outcome: Outcome, payload: Mapping[str, Any], endpoint_id: str, reason: str) -> None:
        outcome.failed[endpoint_id] = reason
        outcome.events.append(_event(payload, endpoint_id, "_attachments.failed", reason))


def claim_key(payload: Mapping[str, Any], endpoint_id: str) -> str:
    """The ledger key of one recipient's email of one run."""
    return (
        "attachments#"
        + "#".join(str(payload.get(k, "")) for k in ("ApplicationId", "CampaignId", "ActivityId"))
        + f"#{endpoint_id}"
    )


def _with_links(part: str | None, links: list[tuple[str, str]], html: bool) -> str | None:
    if part is None:
        return None
    if html:
        items = "".join(f'<li><a href="{escape(url)}">{escape(name)}</a></li>' for name, url in links)
        block = f"<p>Your documents:</p><ul>{items}</ul>"
        return part.replace("</body>", f"{block}</body>") if "</body>" in part else part + block
    return part + "\n\nYour documents:\n" + "\n".join(f"{name}: {url}" for name, url in links)


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _tags(payload: Mapping[str, Any], endpoint_id: str) -> dict[str, str]:
    return {
        "application_id": str(payload.get("ApplicationId", "")),
        "endpoint_id": endpoint_id,
        "campaign_id": str(payload.get("CampaignId", "")),
        "campaign_activity_id": str(payload.get("ActivityId", "")),
    }


def _event(payload: Mapping[str, Any], endpoint_id: str, kind: str, reason: str) -> Event:
    key = claim_key(payload, endpoint_id)
    return Event(
        kind,
        str(payload.get("ApplicationId")),
        endpoint_id,
        attributes={**_tags(payload, endpoint_id), "reason": reason[:200]},
        event_id=hashlib.sha256(f"{key}:{kind}".encode()).hexdigest()[:32],
    )
