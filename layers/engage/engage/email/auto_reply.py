"""Answering inbound mail (the seed's "SES Auto Reply", without its reply storms).

An SES receipt rule hands the function the received message's metadata; `decide()` says whether
to answer and why not, `compose()` builds the answer from a template: the template's subject as a
prefix of the original subject, `%%NAME%%` replaced everywhere by the original sender and `%%ID%%`
by the SES message id.

Never answered (RFC 3834's rules, and then some): auto-submitted mail (`Auto-Submitted` other than
`no`), bulk and list mail (`Precedence: bulk|list|junk`, any `List-*` header), mailer-daemon,
postmaster and no-reply senders, mail whose spam or virus verdict failed, mail from a sender SES
could not authenticate (neither SPF nor DKIM passed, or DMARC failed: a forged From gets no
backscatter), our own answers (they
carry `Auto-Submitted: auto-replied`, and come from our own addresses), and a sender answered
`daily_limit` times already today. Two auto-responders therefore cannot loop: ours marks its answers,
and answers nothing so marked."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr
from typing import Any, Protocol

from engage.errors import ValidationError
from engage.obs import logger, metrics
from engage.sending.mime import build_email

NO_REPLY_LOCAL_PARTS = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|noreply-.*|no-reply-.*)$"
)
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


@dataclass(frozen=True)
class Inbound:
    message_id: str  # SES's
    sender: str  # the From address
    subject: str
    headers: Mapping[str, tuple[str, ...]]  # lower-cased names
    recipients: tuple[str, ...]
    spam_verdict: str = "PASS"
    virus_verdict: str = "PASS"
    spf_verdict: str = "PASS"
    dkim_verdict: str = "PASS"
    dmarc_verdict: str = "PASS"

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


def inbound(event: Mapping[str, Any]) -> Inbound:
    """The received message, from SES's Lambda action event (Records[0].ses)."""
    try:
        ses = event["Records"][0]["ses"]
        mail, receipt = ses["mail"], ses["receipt"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ValidationError("Records[0].ses", "not an SES receipt event") from exc
    headers: dict[str, tuple[str, ...]] = {}
    for header in mail.get("headers") or []:
        name = str(header.get("name", "")).lower()
        headers[name] = (*headers.get(name, ()), str(header.get("value", "")))
    common = mail.get("commonHeaders") or {}
    senders = common.get("from") or [mail.get("source", "")]
    _, sender = parseaddr(str(senders[0]))
    return Inbound(
        message_id=str(mail["messageId"]),
        sender=sender or str(mail.get("source", "")),
        subject=str(common.get("subject") or ""),
        headers=headers,
        recipients=tuple(str(r) for r in receipt.get("recipients") or mail.get("destination") or ()),
        spam_verdict=_verdict(receipt, "spamVerdict"),
        virus_verdict=_verdict(receipt, "virusVerdict"),
        spf_verdict=_verdict(receipt, "spfVerdict"),
        dkim_verdict=_verdict(receipt, "dkimVerdict"),
        dmarc_verdict=_verdict(receipt, "dmarcVerdict"),
    )


def _verdict(receipt: Mapping[str, Any], name: str) -> str:
    """SES's verdict (PASS, FAIL, GRAY or PROCESSING_FAILED); one SES did not give is not a pass."""
    return str((receipt.get(name) or {}).get("status", "GRAY")).upper()


def decide(
    message: Inbound,
    own_addresses: Sequence[str],
    take_reply: Callable[[str], bool],
) -> str | None:
    """None when the message is to be answered, else why not. `take_reply(sender)` counts an
    answer to the sender today and says whether the daily limit allowed it (asked last)."""
    auto = (message.header("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return "auto-submitted"
    if (message.header("Precedence") or "").strip().lower() in BULK_PRECEDENCE:
        return "bulk or list mail"
    if any(name.startswith("list-") for name in message.headers):
        return "bulk or list mail"
    local = message.sender.rsplit("@", 1)[0].lower() if "@" in message.sender else ""
    if not local or NO_REPLY_LOCAL_PARTS.match(local):
        return "a no-reply sender"
    if message.spam_verdict == "FAIL" or message.virus_verdict == "FAIL":
        return "failed the spam or virus check"
    if "PASS" not in (message.spf_verdict, message.dkim_verdict) or message.dmarc_verdict == "FAIL":
        return "the sender is not authenticated (SPF and DKIM, or DMARC, failed)"
    own = {a.lower() for a in own_addresses}
    if message.sender.lower() in own:
        return "our own message"
    if not take_reply(message.sender.lower()):
        return "answered often enough today"
    return None


class ReplySlots(Protocol):
    def take(self, sender: str) -> bool:
        """Counts an answer to the sender today; False once the daily limit is reached."""
        ...

    def give_back(self, sender: str) -> None:
        """Uncounts an answer that was not sent."""
        ...


class Mailer(Protocol):
    def send(self, raw: bytes, sender: str, recipient: str, tags: Mapping[str, str] | None = None) -> str: ...


@dataclass(frozen=True)
class Reply:
    answered: bool
    reason: str | None = None  # why not
    reply_message_id: str | None = None


def reply(
    message: Inbound,
    from_address: str,
    slots: ReplySlots,
    template: Callable[[], Mapping[str, str]],
    mailer: Mailer,
) -> Reply:
    """Answers the message if `decide()` allows it. The sender's daily slot is taken before the
    send (concurrent deliveries can't pass the limit) and given back when the send fails, so the
    retry that follows (Lambda retries the receipt rule's invocation) still has it."""
    reason = decide(message, [from_address], slots.take)
    if reason is not None:
        return Reply(False, reason)
    try:
        raw = compose(message, template(), from_address)
        reply_id = mailer.send(raw, from_address, message.sender, {"auto_reply_to": message.message_id})
    except Exception:
        slots.give_back(message.sender.lower())
        raise
    return Reply(True, reply_message_id=reply_id)


class AutoReply:
    """The auto-reply's use case: one received message (SES's receipt event) answered or not,
    counted (AutoReplySent, AutoReplySkipped) and logged with the reason, never the address."""

    def __init__(
        self,
        from_address: str,
        slots: ReplySlots,
        template: Callable[[], Mapping[str, str]],
        mailer: Mailer,
    ) -> None:
        self.from_address, self.slots, self.template, self.mailer = from_address, slots, template, mailer

    def answer(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The receipt rule's answer: always CONTINUE, with whether (and why not) it was answered."""
        message = inbound(event)
        answer = reply(message, self.from_address, self.slots, self.template, self.mailer)
        metrics.add_metric(
            name="AutoReplySent" if answer.answered else "AutoReplySkipped", unit="Count", value=1
        )
        logger.info(
            "answered" if answer.answered else "not answered",
            extra={
                "ses_message_id": message.message_id,
                "reason": answer.reason,
                "reply": answer.reply_message_id,
            },
        )
        if not answer.answered:
            return {"disposition": "CONTINUE", "answered": False, "reason": answer.reason}
        return {"disposition": "CONTINUE", "answered": True, "reply_message_id": answer.reply_message_id}


def compose(message: Inbound, template: Mapping[str, str], from_address: str) -> bytes:
    """The answer: the template's Subject before the original subject, its HtmlPart/TextPart with
    %%NAME%% and %%ID%% filled in, threaded to the original and marked auto-replied."""

    def fill(text: str) -> str:
        return text.replace("%%NAME%%", message.sender).replace("%%ID%%", message.message_id)

    prefix = fill(template.get("Subject") or "")
    subject = f"{prefix} {message.subject}".strip() if message.subject else prefix
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    original = message.header("Message-ID")
    if original:
        headers["In-Reply-To"] = original
        references = " ".join(v for v in (message.header("References"), original) if v)
        headers["References"] = references
    return build_email(
        from_address,
        message.sender,
        subject,
        html=fill(template["HtmlPart"]) if template.get("HtmlPart") else None,
        text=fill(template["TextPart"]) if template.get("TextPart") else None,
        headers=headers,
    )


def parse_recipients(value: str) -> list[str]:
    """A parameter's recipients, comma or whitespace separated, as addresses."""
    return [address for _, address in getaddresses(re.split(r"[,\s]+", value)) if address]
