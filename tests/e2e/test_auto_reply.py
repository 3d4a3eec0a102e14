"""Auto-reply on the local stack (issue 13, item 2), driven by the SES receipt events under
events/auto_reply/: only the human is answered, from the template, at most the daily limit a day;
an answer fed back in (another responder echoing ours) is not answered, so two cannot loop."""

from __future__ import annotations

import email
import email.policy
import json
import uuid
from pathlib import Path

import pytest

from engage_local.api import wait_until

pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "auto_reply"


def sample(name, tag):
    return json.loads((SAMPLES / f"{name}.json").read_text().replace("SENDER_TAG", tag))


@pytest.fixture(scope="module")
def template(local_stack, pinpoint):
    pinpoint.create_email_template(
        TemplateName="auto-reply",
        EmailTemplateRequest={
            "Subject": "Re:",
            "TextPart": "Hello %%NAME%%, thanks for message %%ID%%. We answer within a day, %%NAME%%.",
        },
    )
    return "auto-reply"


def answers_to(stack, address):
    return [
        e
        for e in stack.emulated.outbox.entries("sesv2", "SendEmail")
        if e["request"]["Destination"]["ToAddresses"] == [address] and "response" in e
    ]


def test_only_the_human_is_answered_and_at_most_the_daily_limit(local_stack, template):
    from tests.e2e.conftest import invoke

    tag = uuid.uuid4().hex[:8]
    outcomes = {
        name: invoke(local_stack, "Messaging/AutoReplyFunction", sample(name, tag), "engage")["payload"]
        for name in ("human", "auto_submitted", "list_mail", "mailer_daemon", "spam")
    }
    assert {name: o["answered"] for name, o in outcomes.items()} == {
        "human": True, "auto_submitted": False, "list_mail": False, "mailer_daemon": False, "spam": False,
    }  # fmt: skip
    assert outcomes["list_mail"]["reason"] == "bulk or list mail"
    human = f"ana.{tag}@example.org"
    assert wait_until(lambda: answers_to(local_stack, human), 10, 0.2)
    (answer,) = answers_to(local_stack, human)
    sent = email.message_from_bytes(answer["request"]["Content"]["Raw"]["Data"], policy=email.policy.default)
    assert sent["Subject"] == "Re: Question about my order" and sent["Auto-Submitted"] == "auto-replied"
    text = sent.get_body(("plain",)).get_content()
    assert text.count(human) == 2 and "ses-human" in text
    for name in ("auto_submitted", "list_mail", "spam"):
        assert answers_to(local_stack, f"{name.split('_')[0]}.{tag}@example.org") == []
    # The daily limit (2 in the e2e stack): a third message from the same person gets no answer.
    second = invoke(local_stack, "Messaging/AutoReplyFunction", sample("human", tag), "engage")["payload"]
    third = invoke(local_stack, "Messaging/AutoReplyFunction", sample("human", tag), "engage")["payload"]
    assert (second["answered"], third["answered"], third["reason"]) == (
        True,
        False,
        "answered often enough today",
    )


def test_our_answer_echoed_back_by_another_responder_is_not_answered(local_stack, template):
    from tests.e2e.conftest import invoke

    tag = uuid.uuid4().hex[:8]
    invoke(local_stack, "Messaging/AutoReplyFunction", sample("human", tag), "engage")
    human = f"ana.{tag}@example.org"
    assert wait_until(lambda: answers_to(local_stack, human), 10, 0.2)
    (answer,) = answers_to(local_stack, human)
    ours = email.message_from_bytes(answer["request"]["Content"]["Raw"]["Data"], policy=email.policy.default)
    # The other side's responder answers ours, and its answer carries our headers back to us.
    echoed = sample("human", tag)
    mail = echoed["Records"][0]["ses"]["mail"]
    mail["headers"] += [{"name": "Auto-Submitted", "value": "auto-replied"},
                        {"name": "In-Reply-To", "value": ours["Message-ID"]}]  # fmt: skip
    mail["commonHeaders"]["subject"] = f"Out of office: {ours['Subject']}"
    outcome = invoke(local_stack, "Messaging/AutoReplyFunction", echoed, "engage")["payload"]
    assert (outcome["answered"], outcome["reason"]) == (False, "auto-submitted")
    assert len(answers_to(local_stack, human)) == 1
