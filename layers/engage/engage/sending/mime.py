"""An email as one MIME document, built with the standard `email` package: multipart/alternative
with the text and HTML parts (or the one there is), RFC 2047-encoded headers, a Message-ID of the
sender's domain, extra headers such as List-Unsubscribe (never a line break: no header injection),
and quoted-printable bodies, so the bytes are 7-bit safe. SES v2 sends these bytes as raw content,
and the archive keeps the same bytes."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from engage import clock
from engage.errors import ValidationError

# Lines may be up to RFC 5322's 998 characters: at SMTP's 78, a long List-Unsubscribe URL would be
# folded into RFC 2047 encoded words, which mailbox providers do not decode in that header.
POLICY = SMTP.clone(max_line_length=998)
_MESSAGE_ID = re.compile(r"^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+>$")
# Headers the builder sets itself: a caller's extra headers may not replace them.
OWN_HEADERS = frozenset({"from", "to", "subject", "message-id", "date", "mime-version", "content-type"})


def build_email(
    sender: str,
    recipient: str,
    subject: str,
    html: str | None = None,
    text: str | None = None,
    headers: Mapping[str, str] | None = None,
    sent_at: datetime | None = None,
    sender_name: str | None = None,
    message_id: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """The message's bytes, CRLF line endings, ready for SES's Content.Raw.Data; with attachments,
    multipart/mixed around the alternative parts, each file base64-encoded."""
    if not html and not text:
        raise ValidationError("Content", "an email needs an HTML or a text part")
    domain = _domain(sender, "FromAddress")
    _domain(recipient, "Address")
    message = EmailMessage(policy=POLICY)
    message["From"] = formataddr((sender_name, sender)) if sender_name else sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at or clock.now())
    if message_id is not None and not _MESSAGE_ID.match(message_id):
        raise ValidationError("MessageId", "must be written <local@domain>")
    message["Message-ID"] = message_id or make_msgid(domain=domain)
    for name, value in (headers or {}).items():
        if name.lower() in OWN_HEADERS:
            raise ValidationError(f"Headers.{name}", "is set by the message builder")
        if "\r" in value or "\n" in value:
            raise ValidationError(f"Headers.{name}", "may not hold a line break")
        message[name] = value
    if text:
        message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
        if html:
            message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    else:
        message.set_content(html or "", subtype="html", charset="utf-8", cte="quoted-printable")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message.as_bytes()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. application/pdf
    data: bytes


def _domain(address: str, field: str) -> str:
    _name, parsed = parseaddr(address)
    if not parsed or parsed != address.strip() or parsed.count("@") != 1:
        raise ValidationError(field, "must be one plain email address")
    return parsed.rsplit("@", 1)[1]
