"""Auto-reply on the local stack (issue 13, item 2), driven by the SES receipt events under
events/email/auto_reply/: only the human is answered, from the template, at most the daily limit a day;
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

SAMPLES = Path(__file__).resolve().parents[3] / "events"


def sample(name, tag):
    return json.loads((SAMPLES / name).read_text().replace("SENDER_TAG", tag))


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
    senders = {  # each sample and who sent it
        "email/auto_reply/human.json": f"ana.{tag}@example.org",
        "email/auto_reply/auto_submitted.json": f"ben.{tag}@example.org",
        "email/auto_reply/list_mail.json": f"news.{tag}@lists.example.org",
        "email/auto_reply/mailer_daemon.json": "MAILER-DAEMON@example.org",
        "email/auto_reply/spam.json": f"winner.{tag}@example.net",
    }
    outcomes = {
        name: invoke(local_stack, "Email/AutoReplyFunction", sample(name, tag), "engage")["payload"]
        for name in senders
    }
    assert [name for name, o in outcomes.items() if o["answered"]] == ["email/auto_reply/human.json"]
    assert outcomes["email/auto_reply/list_mail.json"]["reason"] == "bulk or list mail"
    human = senders["email/auto_reply/human.json"]
    assert wait_until(lambda: answers_to(local_stack, human), 10, 0.2)
    assert local_stack.settle(10)
    (answer,) = answers_to(local_stack, human)
    sent = email.message_from_bytes(answer["request"]["Content"]["Raw"]["Data"], policy=email.policy.default)
    assert sent["Subject"] == "Re: Question about my order" and sent["Auto-Submitted"] == "auto-replied"
    text = sent.get_body(("plain",)).get_content()
    assert text.count(human) == 2 and "ses-human" in text
    for name, sender in senders.items():
        if name != "email/auto_reply/human.json":
            assert answers_to(local_stack, sender) == [], name
    # The daily limit (2 in the e2e stack): a third message from the same person gets no answer.
    second = invoke(
        local_stack, "Email/AutoReplyFunction", sample("email/auto_reply/human.json", tag), "engage"
    )["payload"]
    third = invoke(
        local_stack, "Email/AutoReplyFunction", sample("email/auto_reply/human.json", tag), "engage"
    )["payload"]
    assert (second["answered"], third["answered"], third["reason"]) == (
        True,
        False,
        "answered often enough today",
    )


def test_our_answer_echoed_back_by_another_responder_is_not_answered(local_stack, template):
    from tests.e2e.conftest import invoke

    tag = uuid.uuid4().hex[:8]
    invoke(local_stack, "Email/AutoReplyFunction", sample("email/auto_reply/human.json", tag), "engage")
    human = f"ana.{tag}@example.org"
    assert wait_until(lambda: answers_to(local_stack, human), 10, 0.2)
    (answer,) = answers_to(local_stack, human)
    ours = email.message_from_bytes(answer["request"]["Content"]["Raw"]["Data"], policy=email.policy.default)
    # The other side's responder answers ours, and its answer carries our headers back to us.
    echoed = sample("email/auto_reply/human.json", tag)
    mail = echoed["Records"][0]["ses"]["mail"]
    mail["headers"] += [{"name": "Auto-Submitted", "value": "auto-replied"},
                        {"name": "In-Reply-To", "value": ours["Message-ID"]}]  # fmt: skip
    mail["commonHeaders"]["subject"] = f"Out of office: {ours['Subject']}"
    outcome = invoke(local_stack, "Email/AutoReplyFunction", echoed, "engage")["payload"]
    assert (outcome["answered"], outcome["reason"]) == (False, "auto-submitted")
    assert len(answers_to(local_stack, human)) == 1


def send(local_stack, sender, to, subject="Where is my parcel?", headers=()):
    from engage.sending.mime import build_email

    raw = build_email(sender, to, subject, text="Hello, it has not arrived.", headers=dict(headers))
    return local_stack.client("sesv2").send_email(
        FromEmailAddress=sender, Destination={"ToAddresses": [to]}, Content={"Raw": {"Data": raw}}
    )["MessageId"]


def test_mail_received_by_the_rule_is_answered_and_two_responders_do_not_loop(local_stack, template):
    """From the outside: mail sent to the receipt rule's recipients is received (the emulator runs
    the active rule set's Lambda action), a person gets one answer; a mailbox behind another
    responder of the rule (a domain in its recipient list) gets our answer, answers it, and the
    exchange stops there."""
    tag = uuid.uuid4().hex[:8]
    person = f"reader.{tag}@example.org"
    send(local_stack, person, "support@example.com")
    assert wait_until(lambda: answers_to(local_stack, person), 20, 0.2)
    listed = send(
        local_stack,
        f"news.{tag}@example.org",
        "support@example.com",
        "Digest",
        [("List-Id", "<n.example.org>")],
    )
    refused_before = auto_submitted_refusals(local_stack)
    desk = f"desk.{tag}@helpdesk.example.com"
    send(local_stack, desk, "support@example.com", "Ticket 42")
    assert wait_until(lambda: answers_to(local_stack, desk), 20, 0.2)
    assert local_stack.settle(30)
    assert len(answers_to(local_stack, person)) == 1 and len(answers_to(local_stack, desk)) == 1
    assert answers_to(local_stack, f"news.{tag}@example.org") == [] and listed
    ours = [  # other tests' raw sends may name no FromEmailAddress
        e
        for e in local_stack.emulated.outbox.entries("sesv2", "SendEmail")
        if e["request"].get("FromEmailAddress") == "support@example.com"
        and tag in e["request"]["Destination"]["ToAddresses"][0]
        and "response" in e  # accepted by SES: a refused attempt (throttled under load) is tried again
    ]
    assert len(ours) == 2  # the person's answer and the desk's, nothing more
    # our answer to the desk was received by the rule (helpdesk.example.com) and not answered back
    assert wait_until(lambda: auto_submitted_refusals(local_stack) == refused_before + 1, 20, 0.2)


def auto_submitted_refusals(local_stack):
    logs = (p.read_text() for p in (local_stack.state_dir / "logs").rglob("*.log") if "AutoReply" in str(p))
    return sum(text.count('"reason":"auto-submitted"') for text in logs)


def test_a_throttled_answer_is_retried_by_lambda_and_sent_once(local_stack, template, faults, state):
    """The receipt rule invokes the function asynchronously: SES throttles its first two tries
    (botocore's five attempts each), Lambda's last retry sends the answer, once, within the
    sender's daily limit of two."""
    tag = uuid.uuid4().hex[:8]
    faults({"service": "sesv2", "operation": "SendEmail", "kind": "throttle", "rate": 1, "times": 10})
    local_stack.client("lambda").invoke(
        FunctionName=state.physical_id("Email/AutoReplyFunction", "engage", "AWS::Lambda::Function"),
        InvocationType="Event",
        Payload=json.dumps(sample("email/auto_reply/human.json", tag)).encode(),
    )
    assert wait_until(lambda: answers_to(local_stack, f"ana.{tag}@example.org"), 30, 0.2)
    local_stack.settle()
    assert len(answers_to(local_stack, f"ana.{tag}@example.org")) == 1


def test_a_forged_sender_gets_no_answer(local_stack, template):
    from tests.e2e.conftest import invoke

    tag = uuid.uuid4().hex[:8]
    forged = invoke(
        local_stack, "Email/AutoReplyFunction", sample("email/auto_reply/forged.json", tag), "engage"
    )
    assert forged["payload"]["answered"] is False and "not authenticated" in forged["payload"]["reason"]
    assert answers_to(local_stack, f"ceo.{tag}@example.org") == []
