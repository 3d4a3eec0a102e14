"""The email area's handlers (functions/email/auto_reply, functions/email/ses_feedback,
functions/email/unsubscribe)
fed their sample events (events/email/auto_reply/, events/email/ses_feedback/, events/email/unsubscribe/),
with
in-memory stores, mailer and keys put in at the wiring's accessor; and the wiring itself: its
settings from the environment and its collaborators on fake services."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from engage.email import wiring
from engage.email.auto_reply import AutoReply
from engage.email.feedback import FeedbackIntake, Policy
from engage.email.one_click import OneClickUnsubscribe
from engage.email.wiring import EmailSettings
from engage.errors import ValidationError
from engage.sending.unsubscribe import mint

from tests.support.fakes import MemoryConsent, MemoryEndpoints, MemoryStream, MemorySuppressions
from tests.support.thin_handlers import Context, handler, metric_values, sample

APP = "app-1"
TEMPLATE = {"Subject": "Re:", "TextPart": "Hello %%NAME%%, we got %%ID%%."}
SECRET = b"unsubscribe-secret-0123456789"
NOT_AUTHENTICATED = "the sender is not authenticated (SPF and DKIM, or DMARC, failed)"


# --- auto-reply -------------------------------------------------------------------------------------
class Slots:
    def __init__(self, limit: int = 1) -> None:
        self.limit, self.used = limit, 0

    def take(self, sender: str) -> bool:
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def give_back(self, sender: str) -> None:
        self.used -= 1


class Mailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def send(self, raw: bytes, sender: str, recipient: str, tags: dict[str, str] | None = None) -> str:
        self.sent.append((sender, recipient, dict(tags or {})))
        return f"reply-{len(self.sent)}"


@pytest.fixture
def auto_reply(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    parts = SimpleNamespace(slots=Slots(limit=1), mailer=Mailer())
    use_case = AutoReply("support@example.com", parts.slots, lambda: TEMPLATE, parts.mailer)
    monkeypatch.setattr(wiring, "auto_reply", lambda: use_case)
    parts.handler = handler("auto_reply")
    return parts


def test_the_human_is_answered_once_a_day_and_the_receipt_rule_continues(auto_reply, capfd):
    human = sample("email/auto_reply/human.json", SENDER_TAG="t1")
    answer = auto_reply.handler(human, Context())
    assert answer == {"disposition": "CONTINUE", "answered": True, "reply_message_id": "reply-1"}
    assert auto_reply.mailer.sent == [
        ("support@example.com", "ana.t1@example.org", {"auto_reply_to": "ses-human"})
    ]
    again = auto_reply.handler(human, Context())
    assert again == {"disposition": "CONTINUE", "answered": False, "reason": "answered often enough today"}
    assert metric_values(capfd.readouterr().out) == {"AutoReplySent": 1, "AutoReplySkipped": 1}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_submitted.json", "auto-submitted"),
        ("list_mail.json", "bulk or list mail"),
        ("mailer_daemon.json", "a no-reply sender"),
        ("spam.json", "failed the spam or virus check"),
        ("forged.json", NOT_AUTHENTICATED),
        ("dmarc_fail.json", NOT_AUTHENTICATED),
    ],
)
def test_machines_lists_spam_and_forgeries_are_not_answered_and_say_why(auto_reply, caplog, name, reason):
    answer = auto_reply.handler(sample(f"email/auto_reply/{name}", SENDER_TAG="t2"), Context())
    assert answer == {"disposition": "CONTINUE", "answered": False, "reason": reason}
    assert auto_reply.mailer.sent == [] and auto_reply.slots.used == 0
    (logged,) = [r for r in caplog.records if r.getMessage() == "not answered"]
    assert logged.reason == reason and "t2@" not in caplog.text, "the reason, never the address"


def test_a_sender_authenticated_by_dkim_alone_is_answered(auto_reply):
    answer = auto_reply.handler(sample("email/auto_reply/dkim_only.json", SENDER_TAG="t3"), Context())
    assert answer["answered"] is True


def test_an_event_that_is_not_an_ses_receipt_fails(auto_reply):
    with pytest.raises(ValidationError, match="not an SES receipt event"):
        auto_reply.handler({"Records": []}, Context())


# --- bounce and complaint feedback ------------------------------------------------------------------
class Account:
    def __init__(self) -> None:
        self.listed: list[tuple[str, str]] = []

    def suppress(self, address: str, reason: str) -> None:
        self.listed.append((address, reason))


def reader(endpoint_id: str, address: str) -> dict[str, str]:
    return {"ApplicationId": APP, "Id": endpoint_id, "ChannelType": "EMAIL", "Address": address}


def test_the_sample_batch_of_every_shape_fails_only_the_message_that_is_not_feedback(monkeypatch, capfd):
    suppressions, account = MemorySuppressions(), Account()
    endpoints = MemoryEndpoints(
        [
            reader("bounced-reader", "bounced.reader@example.org"),
            reader("angry-reader", "angry.reader@example.org"),
            reader("happy-reader", "happy@example.org"),
        ]
    )
    intake = FeedbackIntake(suppressions, endpoints, account, Policy(), lambda: [APP])
    monkeypatch.setattr(wiring, "feedback_intake", lambda: intake)
    answer = handler("ses_feedback")(sample("email/ses_feedback/mixed_batch.json", APP_ID=APP), Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "feedback-4"}]}  # the poison alone
    assert sorted((s.address, s.reason.value, s.feedback_id) for s in suppressions.entries) == [
        ("Bounced.Reader@Example.org", "HARD_BOUNCE", "fb-bounce-1"),
        ("angry.reader@example.org", "COMPLAINT", "sample-complaint-event-1"),
    ]
    assert endpoints.get(APP, "bounced-reader")["OptOut"] == "ALL"
    assert endpoints.get(APP, "angry-reader")["OptOut"] == "ALL"
    assert "OptOut" not in endpoints.get(APP, "happy-reader")
    assert account.listed == [
        ("Bounced.Reader@Example.org", "BOUNCE"),
        ("unknown.sender@example.org", "BOUNCE"),  # the identity notification names no application
    ]
    assert metric_values(capfd.readouterr().out) == {
        "FeedbackHardBounce": 2,
        "FeedbackComplaint": 1,
        "FeedbackIgnored": 1,
    }


# --- one-click unsubscribe --------------------------------------------------------------------------
@pytest.fixture
def unsubscribe(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    parts = SimpleNamespace(
        endpoints=MemoryEndpoints([reader("ep-1", "Ana@Example.com")]),
        consent=MemoryConsent(),
        stream=MemoryStream(),
        keys=lambda: [SECRET],
    )
    use_case = OneClickUnsubscribe(
        lambda: parts.keys(),
        parts.endpoints,
        parts.consent,
        parts.stream,
        clock=lambda: 1_795_000_000.0,
        recorded_at=lambda: "2026-11-25T00:00:00.000Z",
    )
    monkeypatch.setattr(wiring, "one_click_unsubscribe", lambda: use_case)
    parts.handler = handler("unsubscribe")
    return parts


def page(answer: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    headers = {
        k: v[0] if isinstance(v, list) else v for k, v in (answer.get("multiValueHeaders") or {}).items()
    }
    return answer["statusCode"], answer["body"], {**headers, **(answer.get("headers") or {})}


def test_get_only_shows_the_button_and_post_unsubscribes(unsubscribe, capfd):
    token = mint([SECRET], APP, "ep-1", "c1")
    status, body, headers = page(
        unsubscribe.handler(sample("email/unsubscribe/confirm_get.json", TOKEN=token), Context())
    )
    assert status == 200 and "Unsubscribe from these messages?" in body
    assert f'<form method=post action="?token={token}">' in body
    assert headers["Content-Type"] == "text/html" and headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "OptOut" not in unsubscribe.endpoints.get(APP, "ep-1"), "a GET changes nothing"
    status, body, _ = page(
        unsubscribe.handler(sample("email/unsubscribe/one_click_post.json", TOKEN=token), Context())
    )
    assert status == 200 and "<h1>You are unsubscribed</h1>" in body
    assert unsubscribe.endpoints.get(APP, "ep-1")["OptOut"] == "ALL"
    decision = unsubscribe.consent.get(APP, "EMAIL", "ana@example.com")
    assert decision.status.value == "OPTED_OUT" and decision.recorded_at == "2026-11-25T00:00:00.000Z"
    (event,) = unsubscribe.stream.records
    assert event["event_type"] == "_email.unsubscribe" and event["attributes"]["campaign_id"] == "c1"
    assert metric_values(capfd.readouterr().out) == {"Unsubscribed": 1}


def unreadable() -> list[bytes]:
    raise ValidationError("secret", 'must hold {"current": "<key>"}')


@pytest.mark.parametrize("sample_name", ["confirm_get.json", "one_click_post.json"])
@pytest.mark.parametrize("case", ["forged", "unreadable keys"])
def test_a_bad_token_gets_the_same_400_page_and_changes_nothing(unsubscribe, capfd, sample_name, case):
    token = mint([b"another-secret-000000000"], APP, "ep-1")
    if case == "unreadable keys":
        token = mint([SECRET], APP, "ep-1")
        unsubscribe.keys = unreadable
    status, body, headers = page(
        unsubscribe.handler(sample(f"email/unsubscribe/{sample_name}", TOKEN=token), Context())
    )
    assert status == 400 and "This unsubscribe link is not valid" in body and "<form" not in body
    assert headers["Cache-Control"] == "no-store"
    assert "OptOut" not in unsubscribe.endpoints.get(APP, "ep-1") and unsubscribe.stream.records == []
    assert metric_values(capfd.readouterr().out) == {"UnsubscribeRefused": 1}


# --- the wiring -------------------------------------------------------------------------------------
class Factory:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def client(self, service: str, **_: Any) -> str:
        self.asked.append(service)
        return f"{service}-client"


class Templates:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def get(self, kind: str, name: str) -> dict[str, str]:
        self.asked.append((kind, name))
        return TEMPLATE


def fake_services() -> SimpleNamespace:
    return SimpleNamespace(
        factory=Factory(),
        templates=Templates(),
        suppression="suppression-list",
        contacts="contacts",
        consent="consent",
        event_stream="event-stream",
        applications=SimpleNamespace(list=lambda: [{"Id": "a1"}, {"Id": "a2"}]),
        unsubscribe_keys=lambda: [SECRET],
    )


def test_the_settings_are_read_from_the_areas_variables_with_their_defaults():
    assert EmailSettings.from_env({}) == EmailSettings()
    assert EmailSettings().feedback_policy == Policy(soft_bounce_limit=3, soft_bounce_window=7 * 24 * 3600)
    settings = EmailSettings.from_env(
        {
            "AUTO_REPLY_TABLE": "replies",
            "AUTO_REPLY_DAILY_LIMIT": "2",
            "AUTO_REPLY_FROM_ADDRESS": "support@example.com",
            "AUTO_REPLY_TEMPLATE": "answer",
            "SES_CONFIGURATION_SET": "",
            "SOFT_BOUNCE_LIMIT": "5",
            "SOFT_BOUNCE_WINDOW_DAYS": "0.5",
        }
    )
    assert settings == EmailSettings("replies", 2, "support@example.com", "answer", None, 5, 0.5)
    assert settings.feedback_policy == Policy(soft_bounce_limit=5, soft_bounce_window=12 * 3600)


def test_the_accessors_build_the_use_cases_on_the_services(monkeypatch):
    services = fake_services()
    monkeypatch.setattr(wiring, "services", services)
    monkeypatch.setattr(
        wiring,
        "settings",
        lambda: EmailSettings("replies", 2, "support@example.com", "answer", "engage-events"),
    )
    reply = wiring.auto_reply.__wrapped__()
    assert (reply.from_address, reply.slots.table, reply.slots.client, reply.slots.limit) == (
        "support@example.com",
        "replies",
        "dynamodb-client",
        2,
    )
    assert (reply.mailer.client, reply.mailer.configuration_set) == ("sesv2-client", "engage-events")
    assert reply.template() == TEMPLATE and services.templates.asked == [("EMAIL", "answer")]
    intake = wiring.feedback_intake.__wrapped__()
    assert (intake.suppressions, intake.endpoints, intake.account.client) == (
        "suppression-list",
        "contacts",
        "sesv2-client",  # the account's suppression list, on the shared factory's SES v2 client
    )
    assert intake.policy == Policy() and list(intake.applications()) == ["a1", "a2"]
    pages = wiring.one_click_unsubscribe.__wrapped__()
    assert (pages.endpoints, pages.consent, pages.stream, pages.keys()) == (
        "contacts",
        "consent",
        "event-stream",
        [SECRET],
    )


@pytest.mark.parametrize(
    "missing",
    ["AUTO_REPLY_TABLE", "AUTO_REPLY_DAILY_LIMIT", "AUTO_REPLY_FROM_ADDRESS", "AUTO_REPLY_TEMPLATE"],
)
def test_the_auto_reply_without_one_of_its_variables_fails_clearly(monkeypatch, missing):
    environment = {
        "AUTO_REPLY_TABLE": "replies",
        "AUTO_REPLY_DAILY_LIMIT": "2",
        "AUTO_REPLY_FROM_ADDRESS": "support@example.com",
        "AUTO_REPLY_TEMPLATE": "answer",
    }
    del environment[missing]
    monkeypatch.setattr(wiring, "services", fake_services())
    monkeypatch.setattr(wiring, "settings", lambda: EmailSettings.from_env(environment))
    with pytest.raises(ValidationError, match=missing):
        wiring.auto_reply.__wrapped__()
