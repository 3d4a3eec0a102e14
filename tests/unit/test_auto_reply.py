"""Auto-reply (engage.auto_reply): who is answered, who never is, and what the answer says."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest
from engage.auto_reply import compose, decide, inbound, parse_recipients
from engage.errors import ValidationError

SAMPLES = Path(__file__).resolve().parents[2] / "events"
TEMPLATE = {"Subject": "Re:", "TextPart": "Hello %%NAME%%, we got %%ID%%. %%NAME%%, we answer within a day."}


def sample(name, tag="t1"):
    return inbound(json.loads((SAMPLES / name).read_text().replace("SENDER_TAG", tag)))


def always(_sender):
    return True


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply/auto_submitted.json", "auto-submitted"),
        ("auto_reply/list_mail.json", "bulk or list mail"),
        ("auto_reply/mailer_daemon.json", "a no-reply sender"),
        ("auto_reply/spam.json", "failed the spam or virus check"),
    ],
)
def test_machines_lists_and_spam_are_never_answered(name, reason):
    assert decide(sample(name), ["support@example.com"], always) == reason


def test_a_human_is_answered_once_their_daily_allowance_allows_it():
    human = sample("auto_reply/human.json")
    assert decide(human, ["support@example.com"], always) is None
    assert decide(human, ["support@example.com"], lambda _s: False) == "answered often enough today"


@pytest.mark.parametrize("local", ["noreply", "no-reply", "do_not_reply", "postmaster", "NoReply"])
def test_no_reply_senders_are_not_answered(local):
    human = sample("auto_reply/human.json")
    other = type(human)(**{**human.__dict__, "sender": f"{local}@example.org"})
    assert decide(other, [], always) == "a no-reply sender"


def test_our_own_answers_are_never_answered_so_two_responders_cannot_loop():
    human = sample("auto_reply/human.json")
    answer = email.message_from_bytes(
        compose(human, TEMPLATE, "support@example.com"), policy=email.policy.default
    )
    assert answer["Auto-Submitted"] == "auto-replied"
    echoed = type(human)(**{**human.__dict__, "headers": {"auto-submitted": ("auto-replied",)}})
    assert decide(echoed, [], always) == "auto-submitted"
    ours = type(human)(**{**human.__dict__, "sender": "Support@Example.com"})
    assert decide(ours, ["support@example.com"], always) == "our own message"


def test_the_answer_prefixes_the_subject_fills_every_placeholder_and_threads():
    human = sample("auto_reply/human.json")
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


FORGED = pytest.mark.xfail(strict=True, reason="issue 26 item 7: forged senders are answered")


@pytest.mark.parametrize(
    ("name", "answered"),
    [
        pytest.param("auto_reply/forged.json", False, marks=FORGED),
        pytest.param("auto_reply/dmarc_fail.json", False, marks=FORGED),
        ("auto_reply/dkim_only.json", True),
    ],
)
def test_only_mail_whose_spf_or_dkim_passed_and_whose_dmarc_did_not_fail_is_answered(name, answered):
    reason = decide(sample(name), ["support@example.com"], always)
    assert (reason is None) is answered
    if not answered:
        assert reason == "the sender is not authenticated (SPF and DKIM, or DMARC, failed)"
