"""The event lake from the outside (issue 12): events put through the API, a campaign sent through
the sender, and what the emulated SES and End User Messaging then report through the configuration
sets the template created, all come back through the views with `engage events query`; the views
custom resource ran at deploy time."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from engage_local.api import wait_until
from tests.support.cli import engage

pytestmark = pytest.mark.e2e


def query(c, sql):
    done = engage("events", "query", sql, "--json", state_dir=c.stack.state_dir, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_ingested_sent_and_reported_events_come_back_through_the_views(campaigning):
    c = campaigning
    readers = {
        "reader-click": "success+click@simulator.amazonses.com",
        "reader-bounce": "bounce@simulator.amazonses.com",
        "reader-complaint": "complaint@simulator.amazonses.com",
    }
    for endpoint_id, address in readers.items():
        c.contacts.upsert(
            c.app, endpoint_id, {"ChannelType": "EMAIL", "Address": address, "Attributes": {"Plan": ["gold"]}}
        )
    c.contacts.upsert(c.app, "texter-ok", {"ChannelType": "SMS", "Address": "+12065550199",
                                           "Attributes": {"Plan": ["gold"]}})  # fmt: skip
    c.contacts.upsert(c.app, "texter-blocked", {"ChannelType": "SMS", "Address": "+14255550101",
                                                "Attributes": {"Plan": ["gold"]}})  # fmt: skip
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={
            "EmailMessage": {"FromAddress": "news@example.com", "Title": "Spring offers",
                             "HtmlBody": "<p>Hello</p>"},
            "SMSMessage": {"Body": "Spring offers inside"},
        },
    )  # fmt: skip
    c.pinpoint.put_events(
        ApplicationId=c.app,
        EventsRequest={"BatchItem": {"reader-click": {"Endpoint": {}, "Events": {f"buy-{c.app}": {
            "EventType": "purchase_success", "Timestamp": datetime.now(UTC).isoformat(),
            "Attributes": {"sku": "A-1"}, "Metrics": {"price": 25.0}}}}}},
    )  # fmt: skip
    where = f"application_id = '{c.app}'"

    def arrived():
        counts = query(
            c,
            f"SELECT (SELECT count(*) FROM email_click WHERE {where}) AS clicks, "
            f"(SELECT count(*) FROM email_complaint WHERE {where}) AS complaints, "
            f"(SELECT count(*) FROM sms_success WHERE {where}) AS delivered, "
            f"(SELECT count(*) FROM sms_failure WHERE {where}) AS failed, "
            f"(SELECT count(*) FROM custom_all_events WHERE {where}) AS custom",
        )[0]
        return all(counts.values())

    assert wait_until(arrived, 90, 1.0)
    time.sleep(2)  # and anything still on its way
    sent = query(c, f"SELECT endpoint_id, campaign_id, subject, from_address FROM email_send WHERE {where}")
    assert sorted(r["endpoint_id"] for r in sent) == sorted(readers)
    assert {(r["campaign_id"], r["subject"], r["from_address"]) for r in sent} == {
        (campaign["Id"], "Spring offers", "news@example.com")
    }
    delivered = query(c, f"SELECT endpoint_id FROM email_delivered WHERE {where} ORDER BY endpoint_id")
    assert [r["endpoint_id"] for r in delivered] == ["reader-click", "reader-complaint"]
    (opened,) = query(c, f"SELECT endpoint_id, ip_address FROM email_open WHERE {where}")
    assert opened == {"endpoint_id": "reader-click", "ip_address": "192.0.2.1"}
    (bounce,) = query(c, f"SELECT * FROM email_hardbounce WHERE {where}")
    assert bounce["endpoint_id"] == "reader-bounce" and bounce["bounce_type"] == "Permanent"
    assert bounce["bounced_recipient_email_address"] == "bounce@simulator.amazonses.com"
    assert bounce["campaign_id"] == campaign["Id"] and bounce["campaign_activity_id"]
    (complaint,) = query(c, f"SELECT endpoint_id, complaint_feedback_type FROM email_complaint WHERE {where}")
    assert complaint == {"endpoint_id": "reader-complaint", "complaint_feedback_type": "abuse"}
    texts = query(
        c,
        f"SELECT event_type, endpoint_id, record_status, price_in_millicents_usd FROM sms_all_events "
        f"WHERE {where} ORDER BY event_type, endpoint_id",
    )
    assert [(t["event_type"], t["endpoint_id"], t["record_status"]) for t in texts] == [
        ("_SMS.BUFFERED", "texter-blocked", "SENT"),
        ("_SMS.BUFFERED", "texter-ok", "SENT"),
        ("_SMS.FAILURE", "texter-blocked", "BLOCKED"),
        ("_SMS.SUCCESS", "texter-ok", "DELIVERED"),
    ]
    assert all(t["price_in_millicents_usd"] > 0 for t in texts if t["event_type"] != "_SMS.BUFFERED")
    (purchase,) = query(c, f"SELECT event_type, message_tags, metrics FROM custom_all_events WHERE {where}")
    assert purchase == {
        "event_type": "purchase_success",
        "message_tags": {"sku": "A-1"},
        "metrics": {"price": 25.0},
    }
    statuses = query(
        c, f"SELECT message_status FROM sms_status WHERE application_id = '{c.app}' ORDER BY message_status"
    )
    assert [s["message_status"] for s in statuses] == ["BLOCKED", "DELIVERED"]
    (raw,) = query(
        c,
        "SELECT count(*) AS clicks FROM ses_events "
        f"WHERE eventType = 'Click' AND element_at(mail.tags, 'application_id')[1] = '{c.app}'",
    )
    assert raw == {"clicks": 1}  # the raw record, kept beside its normalised form


def test_a_query_the_engine_refuses_is_a_clear_error(campaigning):
    done = engage(
        "events", "query", "SELECT nope FROM email_send", "--json", state_dir=campaigning.stack.state_dir
    )
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert error["type"] == "QueryFailed" and "nope" in error["message"]


def test_the_views_custom_resource_created_every_view_through_athena(local_stack):
    athena = local_stack.client("athena")
    outputs = local_stack.stacks["engage"].outputs
    ids = athena.list_query_executions(WorkGroup=outputs["EventsWorkGroupName"])["QueryExecutionIds"]
    statements = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]["Query"] for i in ids]
    created = {s.split('"')[1] for s in statements if s.startswith("CREATE OR REPLACE VIEW")}
    assert {"email_send", "email_status", "sms_status", "custom_all_events", "events_named"} <= created
