"""Bounce and complaint feedback (engage.email.feedback): every shape parsed, and what it decides."""

from __future__ import annotations

import json

import pytest
from engage.email.feedback import Decision, Feedback, Kind, Policy, apply, parse
from engage.errors import ValidationError

from tests.support.channel_records import APP, ses
from tests.support.fakes import MemoryEndpoints, MemorySuppressions
from tests.support.lake import normalised


def notification(kind="Bounce", bounce_type="Permanent", address="Ana@Example.org"):
    """An SES identity notification (SetIdentityNotificationTopic's shape)."""
    body = {"notificationType": kind, "mail": {"timestamp": "2026-11-20T10:00:00.000Z", "messageId": "m-9",
                                              "destination": [address]}}  # fmt: skip
    if kind == "Bounce":
        body["bounce"] = {"bounceType": bounce_type, "bounceSubType": "General", "feedbackId": "fb-9",
                          "timestamp": "2026-11-20T10:00:01.000Z",
                          "bouncedRecipients": [{"emailAddress": address}]}  # fmt: skip
    if kind == "Complaint":
        body["complaint"] = {"feedbackId": "fb-c", "timestamp": "2026-11-20T10:05:00.000Z",
                             "complainedRecipients": [{"emailAddress": address}]}  # fmt: skip
    return body


def stream_event(record):
    from engage.lake.feedback_bus import feedback_entry

    entry = feedback_entry(record, "bus")
    return {"version": "0", "source": entry["Source"], "detail-type": entry["DetailType"],
            "detail": json.loads(entry["Detail"])}  # fmt: skip


def test_the_three_shapes_become_feedback():
    event = parse(ses("Bounce"))
    assert (event.kind, event.app_id, event.addresses, event.source) == (
        Kind.HARD_BOUNCE, APP, ("ana@example.org",), "ses-event",
    )  # fmt: skip
    assert event.feedback_id == "fb-bounce-1"
    identity = parse(notification())
    assert (identity.kind, identity.app_id, identity.source) == (Kind.HARD_BOUNCE, None, "ses-notification")
    assert parse(notification("Complaint")).kind == Kind.COMPLAINT
    assert parse(notification(bounce_type="Transient")).kind == Kind.SOFT_BOUNCE
    stream = parse(stream_event(normalised(ses("Complaint"))))
    assert (stream.kind, stream.app_id, stream.endpoint_id, stream.addresses) == (
        Kind.COMPLAINT,
        APP,
        "ep-1",
        (),
    )


def test_deliveries_and_other_events_are_not_feedback_and_unknown_shapes_are_refused():
    assert parse(notification("Delivery")) is None and parse(ses("Open")) is None
    with pytest.raises(ValidationError):
        parse({"hello": "world"})
    with pytest.raises(ValidationError):
        parse({"eventType": "Bounce", "mail": {}, "bounce": {"bouncedRecipients": []}})


def world(*endpoints):
    return MemorySuppressions(), MemoryEndpoints(endpoints), Account()


class Account:
    def __init__(self):
        self.listed = []

    def suppress(self, address, reason):
        self.listed.append((address, reason))


class Transients(MemorySuppressions):
    def __init__(self):
        super().__init__()
        self.seen = {}

    def count_transient(self, app_id, address, feedback_id, at, window):
        self.seen[(app_id, address.lower(), feedback_id)] = at
        return sum(1 for (a, addr, _f) in self.seen if (a, addr) == (app_id, address.lower()))


def reader(endpoint_id, address="ana@example.org", **extra):
    return {"ApplicationId": APP, "Id": endpoint_id, "ChannelType": "EMAIL", "Address": address, **extra}


def test_a_hard_bounce_suppresses_for_the_app_and_the_account_and_opts_out_every_endpoint_with_it():
    suppressions, endpoints, account = world(
        reader("ep-1"), reader("ep-2", "ANA@example.org"), reader("ep-3", "b@x.org")
    )
    decision = apply(parse(ses("Bounce")), suppressions, endpoints, account)
    assert decision.suppressed == ["HARD_BOUNCE"] and account.listed == [("ana@example.org", "BOUNCE")]
    assert sorted(decision.opted_out) == ["ep-1", "ep-2"]  # compared case-insensitively
    assert endpoints.get(APP, "ep-2")["OptOut"] == "ALL" and "OptOut" not in endpoints.get(APP, "ep-3")
    (entry,) = suppressions.entries
    assert (entry.reason.value, entry.source, entry.feedback_id) == (
        "HARD_BOUNCE",
        "ses-event",
        "fb-bounce-1",
    )


def test_a_complaint_suppresses_for_the_app_only():
    suppressions, endpoints, account = world(reader("ep-1"))
    decision = apply(parse(ses("Complaint")), suppressions, endpoints, account)
    assert decision.suppressed == ["COMPLAINT"] and account.listed == []


def test_the_streams_feedback_finds_the_address_through_its_endpoint():
    suppressions, endpoints, account = world(reader("ep-1"))
    decision = apply(parse(stream_event(normalised(ses("Bounce")))), suppressions, endpoints, account)
    assert decision.suppressed == ["HARD_BOUNCE"] and decision.opted_out == ["ep-1"]
    gone = Feedback(Kind.COMPLAINT, "e-1", "2026-11-20T10:00:00Z", "engagement-stream", APP, (), "erased-1")
    assert apply(gone, suppressions, endpoints, account) == Decision()  # nothing left to act on


def test_transient_bounces_suppress_at_the_limit_and_a_replay_is_not_counted_twice():
    suppressions, endpoints = Transients(), MemoryEndpoints([reader("ep-1")])
    account = Account()
    policy = Policy(soft_bounce_limit=2)

    def soft(feedback_id):
        return Feedback(
            Kind.SOFT_BOUNCE, feedback_id, "2026-11-20T10:00:00Z", "ses-event", APP, ("Ana@example.org",)
        )

    assert apply(soft("s-1"), suppressions, endpoints, account, policy).suppressed == []
    assert apply(soft("s-1"), suppressions, endpoints, account, policy).suppressed == []  # replayed
    assert apply(soft("s-2"), suppressions, endpoints, account, policy).suppressed == ["SOFT_BOUNCES"]
    assert account.listed == []


def test_a_hard_bounce_naming_no_application_reaches_the_account_list_and_every_application_holding_it():
    suppressions, endpoints, account = world(reader("ep-1"))
    decision = apply(parse(notification()), suppressions, endpoints, account, applications=lambda: [APP])
    assert account.listed == [("Ana@Example.org", "BOUNCE")] and decision.unattributed == 1
    assert [e.reason.value for e in suppressions.entries] == ["HARD_BOUNCE"] and decision.opted_out == [
        "ep-1"
    ]
    soft = apply(parse(notification(bounce_type="Transient")), suppressions, endpoints, account)
    assert soft.transient_counted == 0, "transient bounces are counted per application; none is named"


OTHER_APP = "feedbackother0000000000000000000"


def test_a_complaint_naming_no_application_is_listed_for_the_account_and_opts_the_address_out_everywhere():
    suppressions, endpoints, account = world(
        reader("ep-1", "Ana@Example.org"), {**reader("ep-9", "ana@example.org"), "ApplicationId": OTHER_APP}
    )
    decision = apply(
        parse(notification("Complaint")),
        suppressions,
        endpoints,
        account,
        applications=lambda: [APP, OTHER_APP],
    )
    assert account.listed == [("Ana@Example.org", "COMPLAINT")], "as the seed did"
    assert sorted(decision.opted_out) == ["ep-1", "ep-9"]
    assert endpoints.get(APP, "ep-1")["OptOut"] == endpoints.get(OTHER_APP, "ep-9")["OptOut"] == "ALL"
    assert sorted((e.app_id, e.reason.value) for e in suppressions.entries) == [
        (APP, "COMPLAINT"),
        (OTHER_APP, "COMPLAINT"),
    ]


def test_a_recipient_that_is_not_an_address_does_not_stop_the_others_of_the_same_bounce():
    suppressions, endpoints, account = world(reader("ep-1", "ben@example.org"))
    bounce = ses("Bounce")
    bounce["bounce"]["bouncedRecipients"] = [
        {"emailAddress": "x" * 300_000 + "@example.org"},
        {"emailAddress": "ana@bücher.example"},
        {"emailAddress": "ben@example.org"},
    ]
    decision = apply(parse(bounce), suppressions, endpoints, account)
    assert [e.address for e in suppressions.entries] == ["ben@example.org"] and decision.opted_out == ["ep-1"]
    assert len(decision.refused) == 2 and all("address" in reason for reason in decision.refused)
