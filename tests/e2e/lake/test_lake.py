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
from tests.support.apps import SAMPLE_APP
from tests.support.cli import engage
from tests.support.policies import let_deliver

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
    c.readers(readers)
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
    sends = query(
        c, f"SELECT endpoint_id, delivery_type, campaign_send_status FROM campaign_send WHERE {where}"
    )
    assert sorted((r["endpoint_id"], r["delivery_type"], r["campaign_send_status"]) for r in sends) == [
        ("reader-bounce", "EMAIL", "SUCCESS"),
        ("reader-click", "EMAIL", "SUCCESS"),
        ("reader-complaint", "EMAIL", "SUCCESS"),
        ("texter-blocked", "SMS", "SUCCESS"),  # sent; the carrier's failure is the _SMS.FAILURE
        ("texter-ok", "SMS", "SUCCESS"),
    ]
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
    expected_texts = [
        ("_SMS.BUFFERED", "texter-blocked", "SENT"),
        ("_SMS.BUFFERED", "texter-ok", "SENT"),
        ("_SMS.FAILURE", "texter-blocked", "BLOCKED"),
        ("_SMS.SUCCESS", "texter-ok", "DELIVERED"),
        ("_SMS.retry_abandoned", "texter-blocked", "BLOCKED"),  # a permanent failure: not retried
    ]

    def texts():
        return query(
            c,
            f"SELECT event_type, endpoint_id, record_status, price_in_millicents_usd FROM sms_all_events "
            f"WHERE {where} ORDER BY event_type, endpoint_id",
        )

    assert wait_until(
        lambda: [(t["event_type"], t["endpoint_id"], t["record_status"]) for t in texts()] == expected_texts,
        30,
        1.0,
    ), texts()
    carried = [t for t in texts() if t["event_type"] in ("_SMS.SUCCESS", "_SMS.FAILURE")]
    assert all(t["price_in_millicents_usd"] > 0 for t in carried)
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
    # The names export (on its schedule; here its sample event) joins the campaign's and segment's names.
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    exported = invoke(c.stack, "Lake/LakeNamesFunction", _sample("lake/lake_names/scheduled.json"), "engage")
    assert exported["error"] is None and exported["payload"]["Key"] == "names/names.json"
    named = query(c, f"SELECT DISTINCT campaign_name, segment_name FROM email_send WHERE {where}")
    assert named == [{"campaign_name": "offer", "segment_name": "gold"}]
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


def test_hard_bounces_and_complaints_reach_a_rule_on_the_engagement_bus(campaigning):
    c = campaigning
    events, sqs = c.stack.client("events"), c.stack.client("sqs")
    bus = c.outputs["EngagementBusName"]
    queue = sqs.create_queue(QueueName=f"cdp-{c.app}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    rule_arn = events.put_rule(
        Name=f"cdp-{c.app}",
        EventBusName=bus,
        EventPattern=json.dumps({"source": ["engage.events"], "detail": {"application_id": [c.app]}}),
    )["RuleArn"]
    let_deliver(sqs, queue, rule_arn)  # as a rule's queue needs on AWS
    events.put_targets(Rule=f"cdp-{c.app}", EventBusName=bus, Targets=[{"Id": "cdp", "Arn": queue_arn}])
    c.readers(
        {
            "gone": "bounce@simulator.amazonses.com",
            "angry": "complaint@simulator.amazonses.com",
            "happy": "success@simulator.amazonses.com",
        }
    )
    campaign = c.email_campaign()
    received = []

    def arrived():
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            received.append(json.loads(message["Body"]))
        return len(received) >= 2

    assert wait_until(arrived, 60, 0.5)
    time.sleep(2)
    arrived()  # nothing more: the happy reader is not feedback
    by_type = {e["detail-type"]: e["detail"] for e in received}
    assert sorted(by_type) == ["Email Complaint", "Email Hard Bounce"] and len(received) == 2
    assert by_type["Email Hard Bounce"]["endpoint_id"] == "gone"
    assert by_type["Email Hard Bounce"]["bounce_type"] == "Permanent"
    assert by_type["Email Complaint"]["endpoint_id"] == "angry"
    assert by_type["Email Complaint"]["campaign_id"] == campaign["Id"]
    assert all("@" not in json.dumps(e["detail"]) for e in received)


def test_the_channel_event_samples_are_normalised_once_and_a_poison_message_fails_alone(campaigning):
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke
    from tests.support.streams import stream_records

    c = campaigning
    feedback = _sample("lake/channel_events/ses_feedback.json", APP_ID=c.app)
    texts = _sample("lake/channel_events/sms_delivered.json", APP_ID=c.app)
    poison = {**texts["Records"][0], "messageId": "poison-1", "body": "this is not an event"}
    texts["Records"].append(poison)
    answered = invoke(c.stack, "Lake/ChannelEventsFunction", feedback, stack="engage")
    assert answered["error"] is None and answered["payload"] == {"batchItemFailures": []}
    answered = invoke(c.stack, "Lake/ChannelEventsFunction", texts, stack="engage")
    assert answered["payload"] == {"batchItemFailures": [{"itemIdentifier": "poison-1"}]}
    invoke(c.stack, "Lake/ChannelEventsFunction", feedback, stack="engage")  # delivered again

    def ours():
        return sorted(
            (r["event_type"], r["client"]["client_id"])
            for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
            if r["application"]["app_id"] == c.app
        )

    assert wait_until(lambda: len(ours()) >= 3, 10, 0.2)
    time.sleep(1)
    assert ours() == [
        ("_SMS.SUCCESS", "sample-texter"),
        ("_email.complaint", "sample-angry"),
        ("_email.hardbounce", "sample-reader"),
    ]  # once each, though the SES records came twice


def test_the_feedback_bus_sample_reaches_a_rule_on_the_bus(local_stack):
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    events, sqs = local_stack.client("events"), local_stack.client("sqs")
    bus = local_stack.stacks["engage"].outputs["EngagementBusName"]
    queue = sqs.create_queue(QueueName="cdp-sample")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {"source": ["engage.events"], "detail": {"application_id": [SAMPLE_APP]}}
    rule_arn = events.put_rule(Name="cdp-sample", EventBusName=bus, EventPattern=json.dumps(pattern))[
        "RuleArn"
    ]
    let_deliver(sqs, queue, rule_arn)
    events.put_targets(Rule="cdp-sample", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    answered = invoke(
        local_stack, "Lake/FeedbackBusFunction", _sample("lake/feedback_bus/hard_bounce.json"), "engage"
    )
    assert answered["payload"] == {"batchItemFailures": []}
    messages = []
    assert wait_until(
        lambda: messages.extend(sqs.receive_message(QueueUrl=queue).get("Messages", [])) or messages, 10
    )
    detail = json.loads(messages[0]["Body"])["detail"]
    assert (detail["endpoint_id"], detail["bounce_type"]) == ("sample-reader", "Permanent")


def test_the_views_resource_sample_answers_cloudformation_for_create_delete_and_failure(local_stack):
    from engage_local.provisioners import cfn_answers
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    outputs = local_stack.stacks["engage"].outputs
    with cfn_answers() as (response_url, answers):
        values = {
            "RESPONSE_URL": response_url,
            "DATABASE": outputs["EventsDatabaseName"],
            "WORKGROUP": outputs["EventsWorkGroupName"],
        }
        create = _sample("lake/lake_views/create.json", **values)
        invoke(local_stack, "Lake/LakeViewsFunction", create, "engage")
        delete = {**create, "RequestType": "Delete", "PhysicalResourceId": answers[0]["PhysicalResourceId"]}
        invoke(local_stack, "Lake/LakeViewsFunction", delete, "engage")
        broken = {
            **create,
            "ResourceProperties": {**create["ResourceProperties"], "Views": [{"Name": "Bad Name"}]},
        }
        invoke(local_stack, "Lake/LakeViewsFunction", broken, "engage")
    assert [a["Status"] for a in answers] == ["SUCCESS", "SUCCESS", "FAILED"]
    assert "Bad Name" in answers[2]["Reason"]
    athena = local_stack.client("athena")
    ids = athena.list_query_executions(WorkGroup=outputs["EventsWorkGroupName"])["QueryExecutionIds"]
    ran = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]["Query"] for i in ids]
    assert 'DROP VIEW IF EXISTS "sample_sends"' in ran and any('VIEW "sample_sends"' in q for q in ran)


def test_erasing_a_person_removes_their_events_from_every_lake_table(campaigning):
    c = campaigning
    people = {
        "keep-1": "success+open@simulator.amazonses.com",
        "erase-1": "success+click@simulator.amazonses.com",
    }
    for endpoint_id, address in people.items():
        c.readers({endpoint_id: address}, User={"UserId": f"user-{endpoint_id}"})
    c.email_campaign()
    mine = f"application_id = '{c.app}'"

    def counts():
        return {
            r["endpoint_id"]: r["n"]
            for r in query(c, f"SELECT endpoint_id, count(*) AS n FROM events_named WHERE {mine} GROUP BY 1")
        }

    assert wait_until(lambda: counts().get("erase-1", 0) >= 4 and counts().get("keep-1", 0) >= 3, 60, 1.0)
    raw = f"SELECT count(*) AS n FROM email_status WHERE {mine} AND endpoint_id = 'erase-1'"
    assert query(c, raw) == [{"n": 1}]
    erased = engage("erase", "--app", c.app, "--user", "user-erase-1", "--json", state_dir=c.stack.state_dir)
    assert erased.returncode == 0, erased.stderr
    assert json.loads(erased.stdout)["LakeErasure"] == "QUEUED"
    assert wait_until(lambda: "erase-1" not in counts(), 60, 1.0)
    assert counts()["keep-1"] >= 3  # everyone else stays
    assert query(c, raw) == [{"n": 0}]  # the raw SES records too


def test_the_lake_erasure_sample_removes_an_endpoints_events(campaigning):
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    c = campaigning
    now = datetime.now(UTC).isoformat()
    items = {
        e: {"Endpoint": {}, "Events": {f"{e}-{c.app}": {"EventType": "article_read", "Timestamp": now}}}
        for e in ("r-1", "r-2")
    }
    c.pinpoint.put_events(ApplicationId=c.app, EventsRequest={"BatchItem": items})
    sql = f"SELECT endpoint_id FROM custom_all_events WHERE application_id = '{c.app}' ORDER BY 1"
    assert wait_until(lambda: len(query(c, sql)) == 2, 30, 0.5)
    request = _sample("lake/lake_erasure/person.json", APP_ID=c.app, ENDPOINT_ID="r-1")
    answered = invoke(c.stack, "Lake/LakeErasureFunction", request, "engage")
    assert answered["payload"] == {"batchItemFailures": []}
    assert query(c, sql) == [{"endpoint_id": "r-2"}]
