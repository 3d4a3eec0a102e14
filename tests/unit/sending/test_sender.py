"""The sender (engage.sending.sender): eligibility, once-only sends through the ledger, pacing by
the governor, the archive of exactly what was sent, and one event per settled send."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest
from engage.consent import ConsentStatus, consent_record
from engage.errors import DeliveryRefusedError, ThrottledError, ValidationError
from engage.retry import Backoff
from engage.sending import unsubscribe
from engage.sending.custom_answers import Delivery
from engage.sending.governor import Governor, Limits
from engage.sending.ledger import Status
from engage.sending.request import SendRequest, address_recipient, parse_request
from engage.sending.sender import Sender, SendPolicy, SendResult
from engage.suppression import suppression
from engage.templates.model import Templates

from tests.support.fakes import (
    MemoryArchive,
    MemoryBuckets,
    MemoryCaps,
    MemoryConsent,
    MemoryEndpoints,
    MemoryLedger,
    MemoryStream,
    MemorySuppressions,
    MemoryTemplates,
    ScriptedChannel,
)

APP = "sendapp"
SECRET = b"unsubscribe-secret"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def endpoint(endpoint_id, channel="EMAIL", address=None, **extra):
    address = address or (f"{endpoint_id}@example.org" if channel == "EMAIL" else "+12065550100")
    return {
        "ApplicationId": APP,
        "Id": endpoint_id,
        "ChannelType": channel,
        "Address": address,
        "User": {"UserId": f"u-{endpoint_id}", "UserAttributes": {"FirstName": ["Ana"]}},
        **extra,
    }


def email(endpoint_id="ep-1", request_id="c-1", **extra):
    return SendRequest(
        app_id=APP,
        request_id=request_id,
        channel="EMAIL",
        endpoint_id=endpoint_id,
        campaign_id=request_id,
        activity_id="a-1",
        message={"Subject": "Hi {{User.UserAttributes.FirstName}}", "HtmlPart": "<p>Offer {{Offer}}</p>"},
        substitutions={"Offer": ["10%"]},
        **extra,
    )


def reported(sender):
    """The channel events the sender put on the stream (a campaign's sends have their
    `_campaign.send` too, tested on its own)."""
    return [r for r in sender.events.records if r["event_type"] != "_campaign.send"]


def make(endpoints=(), email_script=(), text_script=(), limits=None, **policy):
    limits = limits or Limits(rate=100, burst=100)
    clock = Clock()
    backoff = Backoff(sleep=clock.sleep, rng=random.Random(0), max_attempts=4)
    templates = Templates(MemoryTemplates())
    sender = Sender(
        endpoints=MemoryEndpoints(endpoints),
        consent=MemoryConsent(),
        suppressions=MemorySuppressions(),
        templates=templates,
        ledger=MemoryLedger(),
        governor=Governor(MemoryBuckets(), lambda _identity: limits, backoff),
        email=ScriptedChannel(*email_script),
        texts=ScriptedChannel(*text_script),
        archive_store=MemoryArchive(),
        events=MemoryStream(),
        policy=SendPolicy(
            from_address="news@example.com",
            unsubscribe_url="https://u.example.com/unsubscribe",
            unsubscribe_secrets=(SECRET,),
            lease_seconds=60,
            **policy,
        ),
        backoff=backoff,
        clock=clock,
    )
    return sender, clock


def test_an_email_is_rendered_sent_archived_as_sent_and_reported():
    sender, clock = make([endpoint("ep-1")])
    (result,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert result.outcome.status == Status.SENT and result.error is None
    (sent,) = sender.email.sent
    assert sent["to"] == "ep-1@example.org" and sent["tags"]["campaign_id"] == "c-1"
    raw = sent["raw"].decode()
    assert "Subject: Hi Ana" in raw and "Offer 10%" in raw
    assert sender.archive_store.objects == {result.archive_key: sent["raw"]}
    assert result.archive_key.startswith(f"archive/{APP}/ep-1/")
    (record,) = reported(sender)
    assert record["event_type"] == "_email.send"
    assert record["attributes"]["message_id"] == sent["MessageId"] == result.outcome.message_id
    mail = record["facets"]["email_channel"]["mail_event"]["mail"]
    assert mail["destination"] == ["ep-1@example.org"] and mail["from_address"] == "news@example.com"
    assert mail["common_headers"]["subject"] == "Hi Ana"  # as rendered for the recipient
    assert mail["message_send_timestamp"] == int(clock.now * 1000)
    assert sent["tags"]["campaign_activity_id"] == "a-1"  # SES's events name the run too


def test_a_campaigns_send_also_reports_its_campaign_send_with_the_outcome():
    sender, clock = make([endpoint("ep-1"), endpoint("ep-2", OptOut="ALL")])
    direct = SendRequest(
        APP, "direct", "EMAIL", {"Subject": "Hi", "HtmlPart": "<p>Hi</p>"}, endpoint_id="ep-1"
    )
    sender.send_batch([email("ep-1"), email("ep-2"), direct], deadline=clock.now + 30)
    campaign = {
        r["client"]["client_id"]: r for r in sender.events.records if r["event_type"] == "_campaign.send"
    }
    assert sorted(campaign) == ["ep-1", "ep-2"]  # the send without a campaign run has none
    sent = campaign["ep-1"]["attributes"]
    assert (sent["campaign_id"], sent["campaign_activity_id"], sent["delivery_type"]) == (
        "c-1",
        "a-1",
        "EMAIL",
    )
    assert sent["campaign_send_status"] == "SUCCESS" and sent["message_id"]
    assert campaign["ep-2"]["attributes"]["campaign_send_status"] == "OPTED_OUT"
    again = [r["event_id"] for r in sender.events.records if r["event_type"] == "_campaign.send"]
    sender.send_batch([email("ep-1")], deadline=clock.now + 30)  # redelivered: the same event id
    assert [r["event_id"] for r in sender.events.records if r["event_type"] == "_campaign.send"][-1] in again


def test_a_journeys_send_reports_its_journey_send_as_pinpoint_did():
    sender, clock = make([endpoint("ep-1"), endpoint("ep-2", Demographic={"Timezone": "UTC"})])
    tags = {
        "journey_id": "j-1",
        "journey_activity_id": "hello",
        "journey_activity_type": "EMAIL",
        "journey_run_id": "r-1",
        "journey_participant": "ZSNlcC0x.1",
    }

    def step(endpoint_id, **extra):
        body = {"Subject": "Hi", "HtmlPart": "<p>Hi</p>"}
        return SendRequest(
            APP, "j-1", "EMAIL", body, endpoint_id=endpoint_id, activity_id="hello-1", context=tags, **extra
        )

    quiet = {"Start": "00:00", "End": "23:59"}
    sender.send_batch([step("ep-1"), step("ep-2", quiet_time=quiet)], deadline=clock.now + 30)
    journey = {
        r["client"]["client_id"]: r for r in sender.events.records if r["event_type"] == "_journey.send"
    }
    sent, quieted = journey["ep-1"]["attributes"], journey["ep-2"]["attributes"]
    assert {k: sent[k] for k in tags} == tags  # what the lake's journey views and the engine read
    assert (sent["journey_send_status"], sent["journey_send_status_code"]) == ("SUCCESS", "200")
    assert quieted["journey_send_status"] == "QUIET_TIME" and "journey_send_status_code" not in quieted
    assert not any(r["event_type"] == "_campaign.send" for r in sender.events.records)


def test_promotional_email_carries_a_one_click_unsubscribe_that_verifies():
    sender, clock = make([endpoint("ep-1")])
    sender.send_batch([email()], deadline=clock.now + 30)
    raw = sender.email.sent[0]["raw"].decode()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    token = raw.split("token=", 1)[1].split(">", 1)[0]
    from urllib.parse import unquote

    claim = unsubscribe.verify(unquote(token), [SECRET], now=int(clock.now))
    assert (claim.app_id, claim.endpoint_id, claim.campaign_id) == (APP, "ep-1", "c-1")


def test_transactional_email_has_no_unsubscribe():
    sender, clock = make([endpoint("ep-1")])
    sender.send_batch([email(transactional=True)], deadline=clock.now + 30)
    assert "List-Unsubscribe" not in sender.email.sent[0]["raw"].decode()


def test_a_redelivered_request_is_not_sent_twice_and_reports_the_same_event():
    sender, clock = make([endpoint("ep-1")])
    first = sender.send_batch([email()], deadline=clock.now + 30)
    again = sender.send_batch([email()], deadline=clock.now + 30)
    assert len(sender.email.sent) == 1
    assert again[0].outcome.duplicate and again[0].outcome.message_id == first[0].outcome.message_id
    ids = {r["event_id"] for r in reported(sender)}
    assert len(reported(sender)) == 2 and len(ids) == 1


@pytest.mark.parametrize(
    ("extra", "prepare", "reason"),
    [
        ({"OptOut": "ALL"}, None, "OPTED_OUT"),
        ({"EndpointStatus": "INACTIVE"}, None, "INACTIVE_ENDPOINT"),
        (
            {},
            lambda s: s.consent.record(
                consent_record(APP, "EMAIL", "ep-1@example.org", "OPTED_OUT", "one-click-unsubscribe")
            ),
            "OPTED_OUT",
        ),
        (
            {},
            lambda s: s.suppressions.suppress(
                suppression(APP, "EMAIL", "EP-1@example.org", "COMPLAINT", "ses-feedback")
            ),
            "SUPPRESSED_COMPLAINT",
        ),
    ],
)
def test_ineligible_recipients_are_skipped_with_their_reason(extra, prepare, reason):
    sender, clock = make([endpoint("ep-1", **extra)])
    if prepare:
        prepare(sender)
    (result,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert result.skipped and result.outcome.reason == reason
    assert sender.email.sent == [] and sender.archive_store.objects == {}
    (record,) = reported(sender)
    assert record["event_type"] == "_email.skipped" and record["attributes"]["record_status"] == reason


def test_a_campaign_message_past_its_maximum_duration_is_skipped_not_sent():
    sender, clock = make([endpoint("ep-1"), endpoint("ep-2")])
    late, in_time = email("ep-1", not_after=clock.now - 1), email("ep-2", not_after=clock.now + 60)
    skipped, sent = sender.send_batch([late, in_time], deadline=clock.now + 30)
    assert skipped.skipped and skipped.outcome.reason == "MAXIMUM_DURATION"
    assert sent.outcome.status == Status.SENT and len(sender.email.sent) == 1


def test_a_missing_endpoint_is_skipped_not_retried():
    sender, clock = make([])
    (result,) = sender.send_batch([email("gone")], deadline=clock.now + 30)
    assert result.skipped and result.outcome.reason == "ENDPOINT_NOT_FOUND"


def test_a_throttled_call_is_retried_with_backoff_and_its_archive_removed():
    throttled = ThrottledError("SendEmail: TooManyRequestsException")
    sender, clock = make([endpoint("ep-1")], email_script=[throttled, throttled])
    (result,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert result.outcome.status == Status.SENT and len(sender.email.sent) == 1
    assert list(sender.archive_store.objects) == [result.archive_key]
    assert clock.slept > 0


def test_each_retry_of_a_throttled_call_takes_a_token_of_the_rate():
    throttled = ThrottledError("SendEmail: Throttling")
    sender, clock = make(
        [endpoint("ep-1")], email_script=[throttled, throttled], limits=Limits(rate=1, burst=1)
    )
    start = clock.now
    (result,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert result.outcome.status == Status.SENT
    assert clock.now - start >= 2  # three calls at one per second, not three calls in one backoff


def test_a_throttled_call_whose_retry_finds_no_token_in_time_comes_back():
    throttled = ThrottledError("SendEmail: Throttling")
    sender, clock = make([endpoint("ep-1")], email_script=[throttled], limits=Limits(rate=1, burst=1))
    (result,) = sender.send_batch([email()], deadline=clock.now + 0.5)
    assert isinstance(result.error, ThrottledError) and sender.email.sent == []


def test_a_campaigns_own_rate_paces_its_sends_below_the_identitys():
    from engage.sending.governor import named_limits

    eps = [endpoint(f"ep-{i}") for i in range(4)]
    sender, clock = make(eps)
    identity = Limits(rate=100, burst=100)
    sender.governor = Governor(MemoryBuckets(), lambda b: named_limits(b) or identity, sender.backoff)
    start = clock.now
    results = sender.send_batch([email(f"ep-{i}", max_rate=1) for i in range(4)], deadline=clock.now + 30)
    assert all(r.outcome.status == Status.SENT for r in results)
    assert clock.now - start >= 3  # one a second, though SES would take a hundred
    plain = [email(f"ep-{i}", request_id="c-2") for i in range(4)]
    start = clock.now
    sender.send_batch(plain, deadline=clock.now + 30)
    assert clock.now - start < 1  # without a campaign rate, the identity's


def test_a_call_that_stays_throttled_fails_the_request_for_the_queue_and_releases_its_claim():
    throttled = ThrottledError("SendEmail: Throttling")
    sender, clock = make([endpoint("ep-1")], email_script=[throttled] * 4)
    (result,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert isinstance(result.error, ThrottledError) and sender.archive_store.objects == {}
    (later,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert later.outcome.status == Status.SENT and len(sender.email.sent) == 1


def test_a_refused_message_is_recorded_reported_and_not_archived():
    refused = DeliveryRefusedError("MessageRejected", "Email address is not verified")
    sender, clock = make([endpoint("ep-1")], email_script=[refused])
    (result,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert result.outcome.status == Status.REFUSED and not result.skipped
    assert sender.archive_store.objects == {}
    assert reported(sender)[0]["event_type"] == "_email.rejected"


def test_a_call_that_dies_mid_send_is_marked_uncertain_after_the_lease_and_not_resent():
    sender, clock = make([endpoint("ep-1")], email_script=[TimeoutError("read timed out")])
    (first,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert isinstance(first.error, TimeoutError)
    (early,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert early.error is not None  # still within the first delivery's lease
    clock.now += 61
    (late,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert late.outcome.status == Status.UNCERTAIN and sender.email.sent == []
    assert reported(sender)[-1]["event_type"] == "_email.uncertain"
    assert len(sender.archive_store.objects) == 1  # it may have gone out: what was handed over is kept


def test_transactional_sends_may_be_resent_when_uncertain_by_policy():
    sender, clock = make(
        [endpoint("ep-1")], email_script=[TimeoutError("read timed out")], resend_uncertain_transactional=True
    )
    sender.send_batch([email(transactional=True)], deadline=clock.now + 30)
    clock.now += 61
    (late,) = sender.send_batch([email(transactional=True)], deadline=clock.now + 30)
    assert late.outcome.status == Status.SENT and len(sender.email.sent) == 1


def test_sends_are_paced_by_the_governor_and_what_does_not_fit_comes_back():
    eps = [endpoint(f"ep-{i}") for i in range(5)]
    sender, clock = make(eps, limits=Limits(rate=2, burst=2))
    start = clock.now
    results = sender.send_batch([email(f"ep-{i}") for i in range(5)], deadline=clock.now + 30)
    assert all(r.outcome.status == Status.SENT for r in results)
    assert clock.now - start >= 1.5  # 2 at once, then 3 more at 2 per second
    sender, clock = make(eps, limits=Limits(rate=2, burst=2))
    results = sender.send_batch([email(f"ep-{i}") for i in range(5)], deadline=clock.now + 0.6)
    sent = [r for r in results if r.outcome]
    assert len(sent) == 3 and all(isinstance(r.error, ThrottledError) for r in results if not r.outcome)


def test_tokens_refilled_between_a_take_and_the_wait_are_taken_not_mistaken_for_a_spent_day():
    """A loaded machine asks for the wait a moment after a take found the bucket empty; by then a
    token may be in: the wait is 0, and the sender takes again instead of giving the batch back."""
    sender, clock = make([endpoint(f"ep-{i}") for i in range(3)], limits=Limits(rate=1, burst=1))
    take = sender.governor.take

    def slow_take(identity, wanted, now):
        granted = take(identity, wanted, now)
        clock.now += 0.6  # the machine stalls after each take
        return granted

    sender.governor.take = slow_take
    results = sender.send_batch([email(f"ep-{i}") for i in range(3)], deadline=clock.now + 30)
    assert [r.error for r in results] == [None, None, None]
    assert [r.outcome.status for r in results] == [Status.SENT] * 3


def test_an_exhausted_daily_quota_sends_nothing_and_returns_the_requests():
    sender, clock = make([endpoint("ep-1")], limits=Limits(rate=10, burst=10, daily_left=0))
    (result,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert isinstance(result.error, ThrottledError) and sender.email.sent == []
    assert "allowance is spent" in str(result.error)


def test_sms_from_a_template_is_promotional_by_default_and_voice_uses_the_templates_voice():
    sender, clock = make([endpoint("s-1", "SMS"), endpoint("v-1", "VOICE")])
    sender.templates.create("SMS", "offer", {"Body": "Hi {{User.UserAttributes.FirstName}}: {{Offer}}"})
    sender.templates.create(
        "VOICE", "call", {"Body": "Hello {{User.UserAttributes.FirstName}}", "VoiceId": "Joanna"}
    )
    requests = [
        SendRequest(
            APP, "c-2", "SMS", {"TemplateName": "offer"}, endpoint_id="s-1", substitutions={"Offer": ["2x"]}
        ),
        SendRequest(APP, "c-2", "VOICE", {"TemplateName": "call"}, endpoint_id="v-1"),
    ]
    results = sender.send_batch(requests, deadline=clock.now + 30)
    assert [r.outcome.status for r in results] == [Status.SENT, Status.SENT]
    text, voice = sender.texts.sent
    assert (text["body"], text["type"]) == ("Hi Ana: 2x", "PROMOTIONAL")
    assert (voice["body"], voice["voice"], voice["ssml"]) == ("Hello Ana", "Joanna", False)
    assert [r["event_type"] for r in reported(sender)] == ["_SMS.BUFFERED", "_VOICE.BUFFERED"]
    archived = sender.archive_store.objects[results[0].archive_key]
    assert b'"Body": "Hi Ana: 2x"' in archived


def test_a_message_that_cannot_be_rendered_is_refused_not_retried():
    sender, clock = make([endpoint("ep-1")])
    bad = SendRequest(APP, "c-3", "EMAIL", {"TemplateName": "missing"}, endpoint_id="ep-1")
    (result,) = sender.send_batch([bad], deadline=clock.now + 30)
    assert result.outcome.status == Status.REFUSED and result.outcome.reason == "MESSAGE_INVALID"


def test_an_ad_hoc_address_is_sent_under_a_pseudonym_never_the_address():
    sender, clock = make([])
    pseudonym = address_recipient(b"erasure-key", APP, "EMAIL", "zoe@example.org")
    assert pseudonym == address_recipient(b"erasure-key", APP, "EMAIL", "Zoe@Example.org")  # any spelling
    assert pseudonym != address_recipient(b"another-key", APP, "EMAIL", "zoe@example.org")
    message = {"Subject": "Code", "TextPart": "1234"}
    request = SendRequest(APP, "r-1", "EMAIL", message, address="zoe@example.org", recipient=pseudonym)
    (result,) = sender.send_batch([request], deadline=clock.now + 30)
    assert result.outcome.status == Status.SENT
    assert "zoe" not in result.archive_key and "zoe" not in request.key
    assert reported(sender)[0]["client"]["client_id"] == request.recipient_id == pseudonym
    with pytest.raises(ValidationError, match="RecipientId"):
        SendRequest(APP, "r-1", "EMAIL", message, address="zoe@example.org")


def test_when_the_event_stream_fails_the_whole_batch_comes_back():
    from engage.errors import RetriesExhaustedError

    sender, clock = make([endpoint("ep-1")])

    class Broken:
        def put_records(self, entries):
            return ["AccessDeniedException"] * len(entries)

    sender.events = Broken()
    (result,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert isinstance(result.error, RetriesExhaustedError) and len(sender.email.sent) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        (
            {"ApplicationId": APP, "RequestId": "r", "ChannelType": "FAX", "EndpointId": "e", "Message": {}},
            "ChannelType",
        ),
        (
            {"ApplicationId": APP, "RequestId": "r", "ChannelType": "SMS", "Message": {"Body": "x"}},
            "EndpointId",
        ),
        (
            {
                "ApplicationId": APP,
                "RequestId": "r",
                "ChannelType": "SMS",
                "EndpointId": "e",
                "Message": {"Bdy": "x"},
            },
            "Message.Bdy",
        ),
        (
            {
                "ApplicationId": APP,
                "RequestId": "a#b",
                "ChannelType": "SMS",
                "EndpointId": "e",
                "Message": {},
            },
            "RequestId",
        ),
    ],
)
def test_malformed_queue_messages_are_refused_by_field(body, field):
    from engage.errors import ValidationError

    with pytest.raises(ValidationError) as error:
        parse_request(body)
    assert error.value.field == field


def test_a_request_round_trips_through_its_queue_body():
    request = email(transactional=True)
    assert parse_request(request.to_body()) == request
    limited = email(max_rate=50.0)
    assert parse_request(limited.to_body()) == limited
    with pytest.raises(ValidationError, match="MessagesPerSecond"):
        parse_request({**json.loads(limited.to_body()), "MessagesPerSecond": 0})


def test_an_archive_that_cannot_be_written_sends_nothing_and_gives_the_send_back():
    sender, clock = make([endpoint("ep-1")])

    class Unwritable:
        def put(self, key, body, content_type):
            raise OSError("S3 unavailable")

        def delete(self, key):
            raise AssertionError("nothing to delete")

    working, sender.archive_store = sender.archive_store, Unwritable()
    (result,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert result.error is not None and sender.email.sent == []
    sender.archive_store = working
    (later,) = sender.send_batch([email()], deadline=clock.now + 30)
    assert later.outcome.status == Status.SENT and not later.outcome.duplicate


def test_push_picks_the_platform_block_of_the_template_and_needs_a_push_channel():
    sender, clock = make([endpoint("p-1", "APNS", "token-1"), endpoint("p-2", "GCM", "token-2")])
    sender.templates.create(
        "PUSH", "note", {"Default": {"Title": "T", "Body": "Default"}, "APNS": {"Body": "iOS {{Offer}}"}}
    )
    requests = [
        SendRequest(
            APP, "c-p", "PUSH", {"TemplateName": "note"}, endpoint_id="p-1", substitutions={"Offer": ["x"]}
        ),
        SendRequest(APP, "c-p", "PUSH", {"TemplateName": "note"}, endpoint_id="p-2"),
    ]
    no_push = sender.send_batch(requests[:1], deadline=clock.now + 30)
    assert no_push[0].outcome.reason == "NO_PUSH_PROJECT"
    sender.push = ScriptedChannel()
    results = sender.send_batch(
        [SendRequest(**{**requests[0].__dict__, "request_id": "c-p2"}), requests[1]], clock.now + 30
    )
    assert [r.outcome.status for r in results] == [Status.SENT, Status.SENT]
    ios, android = sorted(sender.push.sent, key=lambda sent: sent["channel"] != "APNS")  # sent concurrently
    assert (ios["channel"], ios["message"]) == ("APNS", {"Body": "iOS x"})
    assert (android["channel"], android["message"]) == ("GCM", {"Title": "T", "Body": "Default"})
    assert [r["event_type"] for r in reported(sender)][-2:] == ["_push.send", "_push.send"]


def custom_request(endpoint_id, request_id="c-custom", uri="engage-custom-crm", data="promo-7"):
    return SendRequest(
        APP,
        request_id,
        "CUSTOM",
        {"DeliveryUri": uri, "Data": data},
        endpoint_id=endpoint_id,
        campaign_id=request_id,
    )


class Deliveries:
    """A custom channel: each step of the script is raised, or answered (a dict, or None)."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def deliver(self, uri, payload, delivery_id):
        step = self.script.pop(0) if self.script else None
        if isinstance(step, Exception):
            raise step
        self.calls.append((uri, payload, delivery_id))
        return Delivery(f"d-{len(self.calls)}", step)


def test_custom_channels_get_pinpoints_payload_in_batches_once():
    eps = [endpoint(f"c-{i}", "CUSTOM", f"crm-{i}") for i in range(5)]
    sender, clock = make(eps, custom_batch_size=2)
    sender.custom = Deliveries()
    results = sender.send_batch([custom_request(f"c-{i}") for i in range(5)], clock.now + 30)
    # The channel answers nothing about the endpoints, as in Pinpoint: handed over, not known sent.
    assert [r.outcome.status for r in results] == [Status.HANDED_OVER] * 5
    assert [len(p["Endpoints"]) for _u, p, _d in sender.custom.calls] == [2, 2, 1]
    uri, payload, _delivery = sender.custom.calls[0]
    assert uri == "engage-custom-crm" and payload["Data"] == "promo-7" and payload["CampaignId"] == "c-custom"
    assert (
        payload["Endpoints"]["c-0"]["Address"] == "crm-0"
        and "ApplicationId" not in payload["Endpoints"]["c-0"]
    )
    assert len(sender.archive_store.objects) == 5
    assert {r["event_type"] for r in reported(sender)} == {"_custom.handed_over"}
    again = sender.send_batch([custom_request(f"c-{i}") for i in range(5)], clock.now + 30)
    assert all(r.outcome.duplicate for r in again) and len(sender.custom.calls) == 3


def test_a_custom_channel_answer_settles_each_endpoint_on_its_own():
    eps = [endpoint(f"c-{i}", "CUSTOM", f"crm-{i}") for i in range(6)]
    sender, clock = make(eps, custom_batch_size=6)
    answer = {
        "c-0": "SENT",
        "c-1": {"DeliveryStatus": "NOT_SENT", "StatusMessage": "unknown contact"},
        "c-2": "THROTTLED",
        "c-3": {"DeliveryStatus": "OUT_OF_TIME"},
        "c-4": {"DeliveryStatus": "UNCERTAIN", "StatusMessage": "timed out mid-call", "MessageId": "m-4"},
        "c-5": "DELIVERED?",  # not a status this contract knows: the channel has it, nothing more
        "someone-else": "SENT",  # not in the batch: ignored
    }
    sender.custom = Deliveries(answer, {"c-2": "SENT", "c-3": "SENT"})
    requests = [custom_request(f"c-{i}") for i in range(6)]
    first = sender.send_batch(requests, clock.now + 30)
    settled = [(r.outcome.status, r.outcome.reason) if r.outcome else type(r.error).__name__ for r in first]
    assert settled == [
        (Status.SENT, None),
        (Status.REFUSED, "NOT_SENT: unknown contact"),
        "HeldError",  # back on the queue, delayed, without spending a receive
        "HeldError",
        (Status.UNCERTAIN, "UNCERTAIN: timed out mid-call"),
        (Status.HANDED_OVER, None),
    ]
    assert first[4].outcome.message_id == "m-4" and first[0].outcome.message_id == "d-1"
    again = sender.send_batch(requests, clock.now + 30)  # the queue delivers the batch again
    assert [len(p["Endpoints"]) for _u, p, _d in sender.custom.calls] == [6, 2]
    assert {r.request.endpoint_id: r.outcome.status for r in again} == {
        "c-0": Status.SENT,
        "c-1": Status.REFUSED,
        "c-2": Status.SENT,
        "c-3": Status.SENT,
        "c-4": Status.UNCERTAIN,
        "c-5": Status.HANDED_OVER,
    }
    kinds = {(r["client"]["client_id"], r["event_type"]) for r in reported(sender)}
    assert {("c-1", "_custom.failure"), ("c-4", "_custom.uncertain"), ("c-5", "_custom.handed_over")} <= kinds


def test_a_throttled_custom_batch_is_given_back_and_a_refused_one_recorded():
    eps = [endpoint(f"c-{i}", "CUSTOM", f"crm-{i}") for i in range(2)]
    sender, clock = make(eps)
    sender.custom = Deliveries(
        ThrottledError("webhook answered 503"), DeliveryRefusedError("HTTP_410", "gone")
    )
    first = sender.send_batch([custom_request("c-0"), custom_request("c-1")], clock.now + 30)
    assert all(isinstance(r.error, ThrottledError) for r in first) and sender.archive_store.objects == {}
    second = sender.send_batch([custom_request("c-0"), custom_request("c-1")], clock.now + 30)
    assert [r.outcome.reason for r in second] == [
        "HTTP_410",
        "HTTP_410",
    ] and sender.archive_store.objects == {}
    assert {r["event_type"] for r in reported(sender)} == {"_custom.failure"}


def test_a_custom_batch_that_fails_mid_call_is_uncertain_not_resent():
    sender, clock = make([endpoint("c-0", "CUSTOM", "crm-0")])
    sender.custom = Deliveries(RuntimeError("the custom channel function failed (Unhandled)"))
    (first,) = sender.send_batch([custom_request("c-0")], clock.now + 30)
    assert isinstance(first.error, RuntimeError)
    clock.now += 61
    (late,) = sender.send_batch([custom_request("c-0")], clock.now + 30)
    assert late.outcome.status == Status.UNCERTAIN and sender.custom.calls == []


def test_a_request_for_another_channel_than_the_endpoints_is_skipped_not_retried():
    sender, clock = make([endpoint("s-1", "SMS")])
    (result,) = sender.send_batch([email("s-1")], deadline=clock.now + 30)
    assert result.skipped and result.outcome.reason == "CHANNEL_MISMATCH"


def test_a_custom_request_without_a_custom_channel_is_refused_with_the_reason():
    sender, clock = make([endpoint("c-0", "CUSTOM", "crm-0")])
    (result,) = sender.send_batch([custom_request("c-0")], clock.now + 30)
    assert result.outcome.status == Status.REFUSED and result.outcome.reason == "NO_CUSTOM_CHANNEL"


@pytest.mark.parametrize("sender_address", ["News <>", "no-at-sign"])
def test_a_message_that_cannot_be_built_is_refused_not_left_in_doubt(sender_address):
    sender, clock = make([endpoint("ep-1")])
    request = SendRequest(
        APP,
        "c-x",
        "EMAIL",
        {"Subject": "s", "TextPart": "t", "FromAddress": sender_address},
        endpoint_id="ep-1",
    )
    (result,) = sender.send_batch([request], clock.now + 30)
    assert result.outcome.status == Status.REFUSED and sender.ledger.get(request.key).status == Status.REFUSED


def test_a_read_that_fails_before_sending_fails_that_request_only():
    sender, clock = make([endpoint("ep-1"), endpoint("ep-2")])

    class Flaky:
        def get(self, app_id, channel, address):
            if address.startswith("ep-1"):
                raise ConnectionError("DynamoDB unreachable")
            return None

    sender.consent = Flaky()
    first, second = sender.send_batch([email("ep-1"), email("ep-2")], clock.now + 30)
    assert isinstance(first.error, ConnectionError) and second.outcome.status == Status.SENT


def test_nothing_starts_once_the_deadline_has_passed():
    sender, clock = make([endpoint("ep-1")])
    (result,) = sender.send_batch([email()], deadline=clock.now - 1)
    assert result.error is not None and sender.email.sent == [] and sender.ledger.get(email().key) is None


def test_an_archive_copy_that_cannot_be_removed_is_reported(caplog):
    sender, clock = make([endpoint("ep-1")], email_script=[DeliveryRefusedError("MessageRejected", "no")])

    class Sticky:
        def put(self, key, body, content_type):
            pass

        def delete(self, key):
            raise OSError("S3 unavailable")

    sender.archive_store = Sticky()
    (result,) = sender.send_batch([email()], clock.now + 30)
    assert result.outcome.status == Status.REFUSED and result.archive_key is None
    assert "could not be removed" in caplog.text and f"archive/{APP}/ep-1/" in caplog.text


@pytest.mark.parametrize(
    ("body", "parts"),
    [("Hi", 1), ("x" * 300, 2), ("你好" * 80, 3)],
)
def test_an_sms_identitys_rate_counts_message_parts(body, parts):
    from engage.sending.governor import within
    from engage.sms.encoding import encoding

    assert encoding(body).parts == parts

    eps = [endpoint(f"s-{i}", "SMS", f"+1206555{i:04d}") for i in range(20)]
    sender, clock = make(eps, limits=within(10), send_concurrency=1)
    requests = [
        SendRequest(APP, "c-parts", "SMS", {"Body": body}, endpoint_id=f"s-{i}", transactional=True)
        for i in range(20)
    ]
    started = clock.now
    results = sender.send_batch(requests, deadline=clock.now + 600)
    assert [r.outcome.status for r in results] == [Status.SENT] * 20
    # 20 messages of `parts` parts at 10 parts a second (one part may go at once)
    assert clock.now - started == pytest.approx((20 * parts - 1) / 10, abs=0.5)


def test_a_campaign_texts_context_fits_end_user_messagings_five_entries():
    sender, clock = make([endpoint("s-1", "SMS")])
    request = SendRequest(
        APP,
        "c-9",
        "SMS",
        {"Body": "Hi"},
        endpoint_id="s-1",
        campaign_id="c-9",
        activity_id="a-9",
        treatment_id="1",
    )
    (result,) = sender.send_batch([request], deadline=clock.now + 30)
    (sent,) = sender.texts.sent
    assert result.outcome.status == Status.SENT and len(sent["context"]) <= 5


# --- consent at send time: quiet time, caps, the opt-out confirmation ------------------------------
def texting(endpoint_id, **extra):
    return SendRequest(
        APP,
        "c-q",
        "SMS",
        {"Body": "Sale"},
        endpoint_id=endpoint_id,
        campaign_id="c-q",
        activity_id="run-1",
        **extra,
    )


def test_quiet_time_is_checked_in_the_endpoints_zone_when_the_message_goes_out():
    quiet = {"Start": "21:00", "End": "08:00"}
    people = [
        endpoint("ny", "SMS", Demographic={"Timezone": "America/New_York"}),  # 03:00 there: quiet
        endpoint("tokyo", "SMS", Demographic={"Timezone": "Asia/Tokyo"}),  # 17:00 there: not quiet
        endpoint("nowhere", "SMS"),  # no zone: never quiet
    ]
    sender, clock = make(people)
    clock.now = 1_800_000_000.0 - (1_800_000_000 % 86400) + 8 * 3600  # 08:00 UTC
    results = sender.send_batch([texting(p["Id"], quiet_time=quiet) for p in people], deadline=clock.now + 30)
    outcomes = {r.request.endpoint_id: (r.outcome.status, r.outcome.reason) for r in results}
    assert outcomes["ny"] == (Status.REFUSED, "QUIET_TIME") and results[0].skipped
    assert outcomes["tokyo"][0] == outcomes["nowhere"][0] == Status.SENT
    campaign_sends = [e for e in sender.events.records if e["event_type"] == "_campaign.send"]
    assert {e["attributes"]["campaign_send_status"] for e in campaign_sends} == {"QUIET_TIME", "SUCCESS"}


def test_a_message_configured_to_hold_waits_until_quiet_time_ends_in_the_endpoints_zone():
    from engage.errors import HeldError

    sender, clock = make([endpoint("ny", "SMS", Demographic={"Timezone": "America/New_York"})])
    clock.now = 1_800_000_000.0 - (1_800_000_000 % 86400) + 8 * 3600  # 08:00 UTC, 03:00 in New York
    quiet = {"Start": "21:00", "End": "08:00"}
    (result,) = sender.send_batch([texting("ny", quiet_time=quiet, quiet_time_action="HOLD")], clock.now + 30)
    assert isinstance(result.error, HeldError) and result.outcome is None and sender.texts.sent == []
    ends_in = result.error.retry_after
    local = sender.endpoints.get(APP, "ny")["Demographic"]["Timezone"]
    assert (
        local == "America/New_York" and abs(ends_in - (5 * 3600 + 60)) < 3600 + 1
    )  # 08:01 local (EST or EDT)
    clock.now += ends_in
    (result,) = sender.send_batch([texting("ny", quiet_time=quiet, quiet_time_action="HOLD")], clock.now + 30)
    assert result.outcome.status == Status.SENT


def test_caps_are_counted_when_the_message_goes_out_per_rolling_24_hours():
    sender, clock = make([endpoint("a", "SMS")])
    sender.caps = MemoryCaps()
    first = texting("a", caps={"Daily": 1})
    (sent,) = sender.send_batch([first], clock.now + 30)
    (again,) = sender.send_batch([first], clock.now + 30)  # the same send redelivered: counted once
    assert sent.outcome.status == Status.SENT and again.outcome.duplicate
    clock.now += 23 * 3600  # another run, the next UTC day but within 24 hours
    (capped,) = sender.send_batch([replace(first, activity_id="run-2")], clock.now + 30)
    assert (capped.outcome.status, capped.outcome.reason) == (Status.REFUSED, "ENDPOINT_CAP")
    clock.now += 3600 + 1
    (later,) = sender.send_batch([replace(first, activity_id="run-3")], clock.now + 30)
    assert later.outcome.status == Status.SENT and len(sender.texts.sent) == 2


def test_the_opt_out_confirmation_reaches_the_opted_out_number_and_then_lists_it():
    customer = "+12065550177"
    sender, clock = make([])
    sender.consent.record(consent_record(APP, "SMS", customer, ConsentStatus.OPTED_OUT, "sms-keyword"))
    listed = []

    class Lists:
        def add(self, app_id, origination, number):
            assert sender.texts.sent, "listed only once the confirmation is settled"
            listed.append((app_id, origination, number))

    sender.opt_out_lists = Lists()
    answer = lambda keyword: SendRequest(  # noqa: E731
        APP,
        "sms-in-1",
        "SMS",
        {"Body": "Bye", "MessageType": "TRANSACTIONAL", "OriginationNumber": "+18005550100"},
        address=customer,
        recipient=address_recipient(b"k", APP, "SMS", customer),
        activity_id=keyword.lower(),
        transactional=True,
        keyword_reply=keyword,
    )
    results = sender.send_batch([answer("OPT_OUT"), answer("HELP")], clock.now + 30)
    confirmation, help_answer = sorted(results, key=lambda r: r.request.keyword_reply != "OPT_OUT")
    assert confirmation.outcome.status == Status.SENT and confirmation.error is None
    assert (help_answer.outcome.status, help_answer.outcome.reason) == (Status.REFUSED, "OPTED_OUT")
    assert listed == [(APP, "+18005550100", customer)] and len(sender.texts.sent) == 1


def test_a_journeys_caps_are_counted_per_journey_when_its_messages_go_out():
    sender, clock = make([endpoint("a", "SMS")])
    sender.caps = MemoryCaps()

    def journey_text(journey_id, activity):
        return SendRequest(
            APP,
            journey_id,
            "SMS",
            {"Body": "Hi"},
            endpoint_id="a",
            activity_id=activity,
            context={"journey_id": journey_id},
            caps={"Daily": 1},
        )

    (first,) = sender.send_batch([journey_text("j1", "hello-1")], clock.now + 30)
    (capped,) = sender.send_batch([journey_text("j1", "nudge-1")], clock.now + 30)
    (other,) = sender.send_batch([journey_text("j2", "hello-1")], clock.now + 30)  # its own journey's cap
    assert first.outcome.status == Status.SENT and other.outcome.status == Status.SENT
    assert (capped.outcome.status, capped.outcome.reason) == (Status.REFUSED, "ENDPOINT_CAP")


def test_a_journeys_open_hours_skip_or_hold_a_send_in_the_endpoints_zone():
    from engage.errors import HeldError
    from engage.sending.request import parse_request

    sender, clock = make(
        [
            endpoint("paris", Demographic={"Timezone": "Europe/Paris"}),  # Friday 09:00 there: open
            endpoint("seattle", Demographic={"Timezone": "America/Los_Angeles"}),  # Friday 00:00: closed
        ]
    )
    weekdays = {d: [{"StartTime": "08:00", "EndTime": "18:00"}] for d in ("THURSDAY", "FRIDAY", "MONDAY")}

    def send(endpoint_id, action):
        body = {"Subject": "Hi", "HtmlPart": "<p>Hi</p>"}
        request = SendRequest(
            APP, "j-1", "EMAIL", body, endpoint_id=endpoint_id, activity_id=f"hello-{action}",
            quiet_time={"Start": "23:00", "End": "23:30"}, quiet_time_action=action, open_hours=weekdays,
        )  # fmt: skip
        return parse_request(json.loads(request.to_body()))  # as the send queue carries it

    results = sender.send_batch(
        [send("paris", "SKIP"), send("seattle", "SKIP"), send("seattle", "HOLD")], deadline=clock.now + 30
    )
    paris, seattle, held = (
        next(r for r in results if (r.request.endpoint_id, r.request.activity_id) == key)
        for key in (("paris", "hello-SKIP"), ("seattle", "hello-SKIP"), ("seattle", "hello-HOLD"))
    )
    assert paris.outcome.status == Status.SENT
    assert (seattle.outcome.status, seattle.outcome.reason) == (Status.REFUSED, "QUIET_TIME")
    assert isinstance(held.error, HeldError) and held.error.retry_after == 8 * 3600  # 08:00 in Seattle


def test_a_send_on_a_channel_the_application_turned_off_is_refused_when_it_goes_out():
    class Switches:
        def __init__(self) -> None:
            self.off = {(APP, "SMS")}

        def disabled(self, app_id, channel):
            return (app_id, channel) in self.off

    sender, clock = make([endpoint("ep-1"), endpoint("ep-2", channel="SMS")])
    sender.channels = Switches()
    text = SendRequest(APP, "c-2", "SMS", {"Body": "Hi"}, endpoint_id="ep-2", campaign_id="c-2")
    results = {
        r.request.channel: r for r in sender.send_batch([email("ep-1"), text], deadline=clock.now + 30)
    }
    sent, refused = results["EMAIL"], results["SMS"]
    assert sent.outcome.status == Status.SENT
    assert (refused.outcome.status, refused.outcome.reason) == (Status.REFUSED, "CHANNEL_DISABLED")
    assert refused.skipped and not sender.texts.sent
    # A contact center dials through Amazon Connect, not the SMS channel: it is not refused for it.
    dial = SendRequest(APP, "j-1", "CONTACT_CENTER", {}, endpoint_id="ep-2")
    assert not isinstance(sender._eligible(dial, endpoint("ep-2", channel="SMS")), SendResult)
