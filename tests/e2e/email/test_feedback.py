"""Bounce and complaint feedback on the local stack (issue 13, item 1): SES's own reports of a real
campaign's sends reach the feedback processor through the configuration set and the engagement
bus; the sample batch of every shape, with a poison message, and its replay, which changes nothing."""

from __future__ import annotations

import pytest
from engage.adapters.dynamodb.suppression import DynamoSuppressionList

from engage_local.api import wait_until

pytestmark = pytest.mark.e2e


def suppressions(c):
    return DynamoSuppressionList(c.outputs["SuppressionTableName"], c.stack.client("dynamodb"))


def test_a_campaigns_bounce_and_complaint_suppress_and_opt_out_through_the_configuration_set(campaigning):
    c = campaigning
    people = {
        "bouncer": "bounce@simulator.amazonses.com",
        "complainer": "complaint@simulator.amazonses.com",
        "reader": "success@simulator.amazonses.com",
    }
    c.readers(people)
    c.email_campaign()
    listed = suppressions(c)

    def reasons(address):
        return sorted(s.reason.value for s in listed.get(c.app, "EMAIL", address))

    def opted_out(endpoint_id):
        return c.contacts.get(c.app, endpoint_id).get("OptOut") == "ALL"

    # the processor suppresses, then opts the endpoints out: wait for the end of both
    assert wait_until(
        lambda: (
            reasons(people["bouncer"]) == ["HARD_BOUNCE"]
            and reasons(people["complainer"]) == ["COMPLAINT"]
            and opted_out("bouncer")
            and opted_out("complainer")
        ),
        60,
        0.5,
    )
    assert c.contacts.get(c.app, "reader").get("OptOut", "NONE") == "NONE" and reasons(people["reader"]) == []
    (entry,) = listed.get(c.app, "EMAIL", "BOUNCE@simulator.amazonses.com")  # case-insensitively
    assert entry.source in ("ses-event", "engagement-stream") and entry.feedback_id
    ses = c.stack.client("sesv2")
    account = ses.get_suppressed_destination(EmailAddress=people["bouncer"])["SuppressedDestination"]
    assert account["Reason"] == "BOUNCE"


def test_the_sample_batch_of_every_shape_and_its_replay(campaigning):
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    c = campaigning
    c.contacts.upsert(
        c.app, "bounced-reader", {"ChannelType": "EMAIL", "Address": "bounced.reader@example.org"}
    )
    c.contacts.upsert(c.app, "angry-reader", {"ChannelType": "EMAIL", "Address": "angry.reader@example.org"})
    c.contacts.upsert(c.app, "happy-reader", {"ChannelType": "EMAIL", "Address": "happy@example.org"})
    batch = _sample("email/ses_feedback/mixed_batch.json", APP_ID=c.app)
    first = invoke(c.stack, "Email/SesFeedbackFunction", batch, "engage")
    assert first["payload"] == {"batchItemFailures": [{"itemIdentifier": "feedback-4"}]}  # the poison alone
    listed = suppressions(c)
    before = sorted((s.address, s.reason.value, s.feedback_id) for s in listed.list(c.app))
    assert before == [  # as written; matched case-insensitively
        ("Bounced.Reader@Example.org", "HARD_BOUNCE", "fb-bounce-1"),
        ("angry.reader@example.org", "COMPLAINT", "sample-complaint-event-1"),
    ]
    assert c.contacts.get(c.app, "bounced-reader")["OptOut"] == "ALL"
    assert c.contacts.get(c.app, "angry-reader")["OptOut"] == "ALL"
    assert c.contacts.get(c.app, "happy-reader").get("OptOut", "NONE") == "NONE"
    ses = c.stack.client("sesv2")
    identity = ses.get_suppressed_destination(EmailAddress="unknown.sender@example.org")[
        "SuppressedDestination"
    ]
    assert identity["Reason"] == "BOUNCE"  # the identity notification names no application: the account list
    again = invoke(c.stack, "Email/SesFeedbackFunction", batch, "engage")
    assert again["payload"] == first["payload"]
    assert sorted((s.address, s.reason.value, s.feedback_id) for s in listed.list(c.app)) == before


def test_a_hard_bounce_put_on_the_stream_by_another_system_reaches_the_processor_through_the_bus(campaigning):
    """The stream's own path, alone: a `_email.hardbounce` event ingested through PutEvents (no SES
    report behind it) goes stream, FeedbackBusFunction, the engagement bus, its rule, FeedbackTopic,
    FeedbackQueue, SesFeedbackFunction."""
    from datetime import UTC, datetime

    c = campaigning
    c.contacts.upsert(c.app, "crm-reader", {"ChannelType": "EMAIL", "Address": "crm.reader@example.org"})
    c.pinpoint.put_events(
        ApplicationId=c.app,
        EventsRequest={"BatchItem": {"crm-reader": {"Endpoint": {}, "Events": {f"crm-{c.app}": {
            "EventType": "_email.hardbounce", "Timestamp": datetime.now(UTC).isoformat()}}}}},
    )  # fmt: skip
    listed = suppressions(c)
    assert wait_until(  # suppressed, then opted out
        lambda: c.contacts.get(c.app, "crm-reader").get("OptOut") == "ALL", 60, 0.5
    )
    (entry,) = listed.get(c.app, "EMAIL", "crm.reader@example.org")
    assert (entry.reason.value, entry.source, entry.feedback_id) == (
        "HARD_BOUNCE",
        "engagement-stream",
        f"crm-{c.app}",
    )
    assert c.contacts.get(c.app, "crm-reader")["OptOut"] == "ALL"


def test_engage_suppression_list_shows_the_decisions_with_their_evidence(campaigning):
    import json

    from engage.suppression import suppression

    from tests.support.cli import engage

    c = campaigning
    suppressions(c).suppress(
        suppression(c.app, "EMAIL", "Gone@Example.org", "HARD_BOUNCE", "ses-event", "fb-1")
    )
    listed = engage("suppression", "list", "--app", c.app, "--json", state_dir=c.stack.state_dir)
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert (entry["Address"], entry["Reason"], entry["Source"], entry["FeedbackId"]) == (
        "Gone@Example.org", "HARD_BOUNCE", "ses-event", "fb-1",
    )  # fmt: skip
    human = engage("suppression", "list", "--app", c.app, state_dir=c.stack.state_dir)
    assert "HARD_BOUNCE (ses-event)" in human.stdout and "Gone@Example.org" not in human.stdout  # masked


def test_a_complaint_without_an_application_tag_is_listed_for_the_account_and_opts_out_everywhere(
    local_stack, campaigning, new_app
):
    """An SES identity notification (an identity's own feedback, not the configuration set's) names
    no application: the address goes on the account-level list, and every application's endpoints
    with it are opted out."""
    import json
    import uuid

    c, other = campaigning, new_app("other brand")
    address = f"Complains-{uuid.uuid4().hex[:6]}@Example.org"
    c.contacts.upsert(c.app, "angry", {"ChannelType": "EMAIL", "Address": address})
    c.contacts.upsert(other, "angry-too", {"ChannelType": "EMAIL", "Address": address.lower()})
    notification = {
        "notificationType": "Complaint",
        "mail": {
            "timestamp": "2026-12-01T10:00:00.000Z",
            "source": "news@example.com",
            "messageId": f"m-{uuid.uuid4().hex}",
            "destination": [address],
        },
        "complaint": {
            "feedbackId": f"fb-{uuid.uuid4().hex}",
            "timestamp": "2026-12-01T10:05:00.000Z",
            "complainedRecipients": [{"emailAddress": address}],
            "complaintFeedbackType": "abuse",
        },
    }
    local_stack.client("sns").publish(
        TopicArn=c.outputs["FeedbackTopicArn"], Message=json.dumps(notification)
    )
    assert wait_until(
        lambda: (
            c.contacts.get(c.app, "angry").get("OptOut") == "ALL"
            and c.contacts.get(other, "angry-too").get("OptOut") == "ALL"
        ),
        60,
        0.5,
    )
    listed = c.stack.client("sesv2").get_suppressed_destination(EmailAddress=address)["SuppressedDestination"]
    assert listed["Reason"] == "COMPLAINT"
