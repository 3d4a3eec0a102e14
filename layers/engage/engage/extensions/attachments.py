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
long-lived signing keys, such as CloudFront's). Malformed data is refused for the whole batch with
the field and the reason; a missing file fails its recipient only.

Each endpoint's email is a send request for the one sender (`attachment_sends`), which gives it what
every message gets: eligibility at send time, the ledger (a batch delivered again sends nobody a
second email), the SES rate, one-click unsubscribe, the archive and its events; the sender asks
`AttachmentMaker` for the files. The channel function answers each endpoint's outcome
(engage.sending.custom_answers).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

from engage.errors import DeliveryRefusedError, NotSentError, ValidationError
from engage.sending.mime import Attachment
from engage.sending.request import SendRequest

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


def estimated_size(sizes: list[int], body_bytes: int) -> int:
    """A message's size once its files are base64-encoded (4/3, plus line breaks)."""
    return body_bytes + sum(size * 4 // 3 + size // 57 * 2 + 1024 for size in sizes)


def order_message(order: Order) -> dict[str, Any]:
    """The email send request's message for an order: its template and sender, and its files."""
    return {
        "TemplateName": order.template,
        "FromAddress": order.from_address,
        "Attachments": {
            "files": [{"key": f.key, "name": f.name} for f in order.files],
            "mode": order.mode,
            "link_hours": order.link_hours,
        },
    }


def attachment_sends(payload: Mapping[str, Any], order: Order) -> list[SendRequest]:
    """One email send request per endpoint of a custom delivery batch, for the one sender: keyed
    apart from the batch's own custom sends, and tagged with the campaign for its events."""
    endpoints = payload.get("Endpoints")
    if not isinstance(endpoints, Mapping):
        raise ValidationError("Endpoints", "the custom delivery payload carries the batch's Endpoints map")
    campaign = {
        "campaign_id": str(payload.get("CampaignId") or ""),
        "campaign_activity_id": str(payload.get("ActivityId") or ""),
        "treatment_id": str(payload.get("TreatmentId") or ""),
    }
    return [
        SendRequest(
            str(payload.get("ApplicationId")),
            f"attachments-{payload.get('CampaignId')}",
            "EMAIL",
            order_message(order),
            endpoint_id=str(endpoint_id),
            activity_id=str(payload.get("ActivityId") or ""),
            context={k: v for k, v in campaign.items() if v},
        )
        for endpoint_id in endpoints
    ]


class TemplateReader(Protocol):
    def get(self, kind: str, name: str, version: int | str | None = None) -> dict[str, Any]: ...


class Queue(Protocol):
    def enqueue(self, bodies: Sequence[str]) -> list[str | None]: ...


def hand_over(payload: Mapping[str, Any], templates: TemplateReader, queue: Queue) -> dict[str, Any]:
    """The channel's answer to a custom delivery batch: each email endpoint's email put on the send
    queue (left out of the answer: handed over), and NOT_SENT with the reason for the rest (a bad
    order or a missing template for all, with the field; a non-email endpoint), THROTTLED for one
    the queue would not take."""
    endpoints = payload.get("Endpoints")
    if not isinstance(endpoints, Mapping):
        raise ValidationError("Endpoints", "the custom delivery payload carries the batch's Endpoints map")
    try:
        order = parse_order(payload.get("Data"))
        templates.get("EMAIL", order.template)  # a missing template fails the batch, said once
    except ValidationError as exc:
        return {e: _answer("NOT_SENT", f"{exc.field}: {exc.reason}") for e in endpoints}
    sends = attachment_sends(payload, order)
    emails = [s for s in sends if endpoints[s.endpoint_id].get("ChannelType") == "EMAIL"]
    answer = {s.endpoint_id: _answer("NOT_SENT", "NOT_AN_EMAIL_ENDPOINT") for s in sends if s not in emails}
    queued = queue.enqueue([s.to_body() for s in emails]) if emails else []
    for send, message_id in zip(emails, queued, strict=True):
        if message_id is None:  # ask for the endpoint again later
            answer[send.endpoint_id] = _answer("THROTTLED", "the send queue did not take it")
    return answer


def _answer(status: str, reason: str) -> dict[str, str]:
    return {"DeliveryStatus": status, "StatusMessage": reason}


class Files(Protocol):
    def size(self, key: str) -> int | None:
        """The file's size in bytes, None when it does not exist."""
        ...

    def read(self, key: str) -> bytes: ...
    def link(self, key: str, seconds: int) -> str:
        """A pre-signed GET URL."""
        ...


@dataclass(frozen=True)
class Made:
    """An email's parts once its files are attached (or linked, in its HTML and text)."""

    html: str | None
    text: str | None
    files: tuple[Attachment, ...]
    linked: bool


@dataclass
class AttachmentMaker:
    """What the sender asks for an email whose message has Attachments: the files read from S3
    and attached, or pre-signed links to them put in the parts when the message would be larger
    than SES takes (or when the order says LINK)."""

    files: Files
    max_message_bytes: int = SES_MAX_MESSAGE_BYTES

    def make(
        self, attachments: Mapping[str, Any], endpoint_id: str, html: str | None, text: str | None
    ) -> Made:
        mode, hours = str(attachments.get("mode", "AUTO")), int(attachments.get("link_hours", MAX_LINK_HOURS))
        specs = [FileSpec(str(f["key"]), str(f["name"])) for f in attachments.get("files") or ()]
        keys = [(spec, spec.key_for(endpoint_id)) for spec in specs]
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
        if mode == "ATTACH" and too_large:
            raise DeliveryRefusedError(
                "ATTACHMENT_TOO_LARGE", f"the message would exceed {self.max_message_bytes} bytes"
            )
        if mode == "LINK" or too_large:
            links = [(spec.name, self.files.link(file_key, hours * 3600)) for spec, file_key in keys]
            return Made(_with_links(html, links, True), _with_links(text, links, False), (), True)
        try:
            files = tuple(
                Attachment(spec.name, _content_type(spec.name), self.files.read(file_key))
                for spec, file_key in keys
            )
        except Exception as exc:
            raise NotSentError(f"the files could not be read ({type(exc).__name__})") from exc
        return Made(html, text, files, False)


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
