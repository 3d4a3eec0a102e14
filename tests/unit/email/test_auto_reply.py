"""Auto-reply (engage.email.auto_reply): who is answered, who never is, and what the answer says."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest
from engage.email.auto_reply import compose, decide, inbound, parse_recipients
from engage.errors import ValidationError

SAMPLES = Path(__file__).resolve().parents[3] / "events"
TEMPLATE = {"Subject": "Re:", "TextPart": "Hello %%NAME%%, we got %%ID%%. %%NAME%%, we answer within a day."}


def sample(name, tag="t1"):
    return inbound(json.loads((SAMPLES / name).read_text().replace("SENDER_TAG", tag)))


def always(_sender):
    return True


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("email/auto_reply/auto_submitted.json", "auto-submitted"),
        ("email/auto_reply/list_mail.json", "bulk or list mail"),
        ("email/auto_reply/mailer_daemon.json", "a no-reply sender"),
        ("email/auto_reply/spam.json", "failed the spam or virus check"),
    ],
)
def test_machines_lists_and_spam_are_never_answered(name, reason):
    assert decide(sample(name), ["support@example.com"], always) == reason


def test_a_human_is_answered_once_their_daily_allowance_allows_it():
    human = sample("email/auto_reply/human.json")
    assert decide(human, ["support@example.com"], always) is None
    assert decide(human, ["support@example.com"], lambda _s: False) == "answered often enough today"


@pytest.mark.parametrize("local", ["noreply", "no-reply", "do_not_reply", "postmaster", "NoReply"])
def test_no_reply_senders_are_not_answered(local):
    human = sample("email/auto_reply/human.json")
    other = type(human)(**{**human.__dict__, "sender": f"{local}@example.org"})
    assert decide(other, [], always) == "a no-reply sender"


def test_our_own_answers_are_never_answered_so_two_responders_cannot_loop():
    human = sample("email/auto_reply/human.json")
    answer = email.message_from_bytes(
        compose(human, TEMPLATE, "support@example.com"), policy=email.policy.default
    )
    assert answer["Auto-Submitted"] == "auto-replied"
    echoed = type(human)(**{**human.__dict__, "headers": {"auto-submitted": ("auto-replied",)}})
    assert decide(echoed, [], always) == "auto-submitted"
    ours = type(human)(**{**human.__dict__, "sender": "Support@Example.com"})
    assert decide(ours, ["support@example.com"], always) == "our own message"


def test_the_answer_prefixes_the_subject_fills_every_placeholder_and_threads():
    human = sample("email/auto_reply/human.json")
    answer = email.message_from_bytes(
        compose(human, TEMPLATE, "support@example.com"), policy=email.policy.default
    )
    assert answer["Subject"] == "Re: Question about my order"
    assert answer["To"] == "ana.t1@example.org" and answer["From"] == "support@example.com"
    body = answer.get_body(("plain",)).get_content()
    assert body.count("ana.t1@example.org") == 2 and "ses-human" in body and "%%" not in body
    assert answer["In-Reply-To"] == "<human@mail.example.org>"
    assert answer["References"] == "<human@mail.example.org>"


def test_a_non_ses_event_is_refused_and_recipients_parse_as_a_list():
    with pytest.raises(ValidationError):
        inbound({"Records": [{}]})
    assert parse_recipients("support@example.com, help@example.com  sales@example.com") == [
        "support@example.com", "help@example.com", "sales@example.com",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "answered"),
    [
        ("email/auto_reply/forged.json", False),
        ("email/auto_reply/dmarc_fail.json", False),
        ("email/auto_reply/dkim_only.json", True),
    ],
)
def test_only_mail_whose_spf_or_dkim_passed_and_whose_dmarc_did_not_fail_is_answered(name, answered):
    reason = decide(sample(name), ["support@example.com"], always)
    assert (reason is None) is answered
    if not answered:
        assert reason == "the sender is not authenticated (SPF and DKIM, or DMARC, failed)"


class Slots:
    def __init__(self, limit=1):
        self.limit, self.used, self.given_back = limit, 0, 0

    def take(self, sender):
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def give_back(self, sender):
        self.used -= 1
        self.given_back += 1


class Mailer:
    def __init__(self, *script):
        self.script, self.sent = list(script), []

    def send(self, raw, sender, recipient, tags=None):
        outcome = self.script.pop(0) if self.script else None
        if isinstance(outcome, Exception):
            raise outcome
        self.sent.append(recipient)
        return f"reply-{len(self.sent)}"


def test_a_failed_send_gives_the_daily_slot_back_so_the_retry_can_answer():
    from engage.email.auto_reply import reply
    from engage.errors import ThrottledError

    human, slots = sample("email/auto_reply/human.json"), Slots(limit=1)
    mailer = Mailer(ThrottledError("SendEmail: TooManyRequestsException"))
    with pytest.raises(ThrottledError):
        reply(human, "support@example.com", slots, lambda: TEMPLATE, mailer)
    assert (slots.used, slots.given_back) == (0, 1)
    answered = reply(human, "support@example.com", slots, lambda: TEMPLATE, mailer)  # Lambda's retry
    assert answered.answered and answered.reply_message_id == "reply-1" and slots.used == 1
    again = reply(human, "support@example.com", slots, lambda: TEMPLATE, mailer)
    assert again.reason == "answered often enough today" and mailer.sent == [human.sender]
