"""Federated segmentation on the local stack, driven from the outside: the CRM's tables are files in
its own bucket, a workflow start (or the schedule) runs a query through DuckDB, and the result comes
back as an imported segment a campaign texts, or as attributes on the endpoints; queries that write,
read files or touch another table are refused with the reason, and a query that fails is reported."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import (
    SCHEDULED_SEGMENT_APP,
    SEGMENT_DATA_BUCKET,
    invoke,
)
from tests.e2e.test_emulated_services import control
from tests.support.topics import TopicInbox

pytestmark = pytest.mark.e2e

CUSTOMERS = """customer_id,tier,country,favourite_colour
c1,gold,US,teal
c2,gold,CA,red
c3,silver,US,
c4,bronze,US,blue
c7,gold,US,green
"""
ORDERS = [("c1", 150), ("c1", 30), ("c2", 400), ("c3", 90), ("c4", 5), ("c7", 999)]
PAYMENTS = "customer_id,card\nc1,4111111111111111\n"
BIG_SPENDERS = (
    "SELECT c.customer_id AS Id FROM customers c JOIN orders o ON o.customer_id = c.customer_id "
    "WHERE c.tier = 'gold' GROUP BY c.customer_id HAVING sum(o.total) > 100"
)
SPEND_TIERS = (
    'SELECT c.customer_id AS Id, c.tier AS "Attributes.Tier", '
    'c.favourite_colour AS "User.UserAttributes.FavouriteColour", sum(o.total) AS "Metrics.Spend" '
    "FROM customers c JOIN orders o ON o.customer_id = c.customer_id GROUP BY 1, 2, 3"
)


@pytest.fixture(scope="module")
def federated(local_stack):
    outputs = local_stack.stacks["engage"].outputs
    s3 = local_stack.client("s3")
    s3.put_object(Bucket=SEGMENT_DATA_BUCKET, Key="tables/customers/part-0.csv", Body=CUSTOMERS.encode())
    orders = "\n".join(json.dumps({"customer_id": c, "total": t}) for c, t in ORDERS)
    s3.put_object(Bucket=SEGMENT_DATA_BUCKET, Key="tables/orders/2026/11/part-0.jsonl", Body=orders.encode())
    s3.put_object(Bucket=SEGMENT_DATA_BUCKET, Key="tables/payments/part-0.csv", Body=PAYMENTS.encode())
    s3.put_object(
        Bucket=outputs["ImportBucketName"],
        Key="segment-queries/named/spend_tiers.sql",
        Body=SPEND_TIERS.encode(),
    )
    return {
        "workflow": outputs["SegmentQueryWorkflowArn"],
        "sfn": local_stack.client("stepfunctions"),
        "inbox": TopicInbox(local_stack, outputs["SegmentQueryTopicArn"], f"segq-{uuid.uuid4().hex[:6]}"),
        "bucket": outputs["ImportBucketName"],
    }


def run(federated, request: dict) -> str:
    return federated["sfn"].start_execution(stateMachineArn=federated["workflow"], input=json.dumps(request))[
        "executionArn"
    ]


def finished(federated, execution: str, timeout: float = 90) -> dict:
    sfn = federated["sfn"]
    assert wait_until(
        lambda: sfn.describe_execution(executionArn=execution)["status"] != "RUNNING", timeout, 0.2
    )
    return sfn.describe_execution(executionArn=execution)


def notice(federated, kind: str, wanted) -> dict:
    def found():
        return [body for k, body in federated["inbox"].about(wanted) if k == kind]

    assert wait_until(found, 30, 0.2), (
        f"no {kind} notification; got {federated['inbox'].about(lambda _b: True)}"
    )
    return found()[-1]


def members_texted(campaigning, segment_id: str, body: str, expected: int) -> set[str]:
    campaign = campaigning.campaign(SegmentId=segment_id, MessageConfiguration={"SMSMessage": {"Body": body}})
    kind, _summary = campaigning.notified(campaigning.started(campaign))
    assert kind == "success"
    return {t["request"]["DestinationPhoneNumber"] for t in campaigning.all_texts(campaign["Id"], expected)}


def test_a_direct_query_becomes_an_imported_segment_a_campaign_texts(federated, campaigning):
    campaigning.people(["c1", "c2", "c3", "c4"])
    execution = run(
        federated,
        {
            "ApplicationId": campaigning.app,
            "Type": "direct",
            "SegmentName": "Big spenders",
            "Query": BIG_SPENDERS,
        },
    )
    assert finished(federated, execution)["status"] == "SUCCEEDED"
    done = notice(federated, "success", lambda b: b.get("ApplicationId") == campaigning.app)
    job = done["imported"]["job"]
    assert (job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]) == ("COMPLETED", 3, 1)
    (failure,) = job["Failures"]
    assert re.fullmatch(
        rf"line [234]: endpoint 'c7' does not exist in application {campaigning.app}", failure
    )
    assert job["Definition"]["RegisterEndpoints"] is False and job["Definition"]["DefineSegment"] is True
    segment = campaigning.pinpoint.get_segment(ApplicationId=campaigning.app, SegmentId=job["Id"])[
        "SegmentResponse"
    ]
    assert (segment["Name"], segment["SegmentType"], segment["ImportDefinition"]["Size"]) == (
        "Big spenders",
        "IMPORT",
        2,
    )
    texted = members_texted(campaigning, segment["Id"], "Thanks for being a big spender", 2)
    assert texted == {campaigning.number("c1"), campaigning.number("c2")}
    with pytest.raises(Exception, match="does not exist"):
        campaigning.contacts.get(campaigning.app, "c7")  # a row without an endpoint creates none


def test_a_direct_query_with_a_segment_id_replaces_that_segments_members_as_its_next_version(
    local_stack, federated, campaigning
):
    campaigning.people(["c1", "c2", "c3", "c4"])
    first = run(
        federated,
        {"ApplicationId": campaigning.app, "Type": "direct", "SegmentName": "Tiered", "Query": BIG_SPENDERS},
    )
    assert finished(federated, first)["status"] == "SUCCEEDED"
    segment_id = notice(federated, "success", lambda b: b.get("ApplicationId") == campaigning.app)[
        "imported"
    ]["job"]["Id"]
    refresh = run(
        federated,
        {
            "ApplicationId": campaigning.app,
            "Type": "direct",
            "SegmentId": segment_id,
            "Query": "SELECT customer_id AS Id FROM customers WHERE tier IN ('silver', 'bronze')",
        },
    )
    assert finished(federated, refresh)["status"] == "SUCCEEDED"
    segment = campaigning.pinpoint.get_segment(ApplicationId=campaigning.app, SegmentId=segment_id)[
        "SegmentResponse"
    ]
    assert (segment["Name"], segment["Version"], segment["ImportDefinition"]["Size"]) == ("Tiered", 2, 2)
    s3 = local_stack.client("s3")
    first_lists = s3.list_objects_v2(
        Bucket=federated["bucket"], Prefix=f"segment-members/{campaigning.app}/{segment_id}/"
    )
    assert first_lists["KeyCount"] >= 1, "a run reading the first version's lists can finish"
    for entry in first_lists["Contents"]:  # the lifecycle rule superseded-members expires them
        tags = s3.get_object_tagging(Bucket=federated["bucket"], Key=entry["Key"])["TagSet"]
        assert tags == [{"Key": "engage-superseded", "Value": "true"}]
    texted = members_texted(campaigning, segment_id, "Time to level up", 2)
    assert texted == {campaigning.number("c3"), campaigning.number("c4")}


def test_a_mutate_query_sets_attributes_user_attributes_and_metrics_of_existing_endpoints_only(
    federated, campaigning
):
    campaigning.people(["c1", "c2", "c3"], Attributes={"Plan": ["basic"]})
    execution = run(federated, {"ApplicationId": campaigning.app, "Type": "mutate", "Query": SPEND_TIERS})
    assert finished(federated, execution)["status"] == "SUCCEEDED"
    job = notice(federated, "success", lambda b: b.get("ApplicationId") == campaigning.app)["imported"]["job"]
    assert (job["TotalProcessed"], job["TotalFailures"]) == (5, 2)  # c4 and c7 have no endpoint here
    assert job["Definition"]["DefineSegment"] is False
    c1 = campaigning.contacts.get(campaigning.app, "c1")
    assert c1["Attributes"] == {"Plan": ["basic"], "Tier": ["gold"]}
    assert c1["User"]["UserAttributes"] == {"FavouriteColour": ["teal"]} and c1["Metrics"] == {"Spend": 180.0}
    assert c1["Address"] == campaigning.number("c1") and c1["ChannelType"] == "SMS"
    c3 = campaigning.contacts.get(campaigning.app, "c3")
    assert c3["Attributes"]["Tier"] == ["silver"] and "UserAttributes" not in c3.get("User", {})
    segments = campaigning.pinpoint.get_segments(ApplicationId=campaigning.app)["SegmentsResponse"]["Item"]
    assert segments == [], "a mutate query defines no segment"


REFUSED = {
    "writes": ("INSERT INTO customers SELECT 'c9', 'gold', 'US', 'black'", "must be a SELECT, not INSERT"),
    "copies": ("SELECT customer_id AS Id INTO leaked FROM customers", "must only read; it contains INTO"),
    "reads a file": ("SELECT * FROM read_csv('/etc/passwd')", "table functions are not allowed"),
    "touches another table": (
        "SELECT customer_id AS Id FROM customers WHERE customer_id IN (SELECT customer_id FROM payments)",
        "table payments is not one a segment query may read",
    ),
    "leaves the database": ("SELECT customer_id AS Id FROM sales.customers", "outside the database crm"),
    "unloads": ("UNLOAD (SELECT customer_id FROM customers) TO 's3://elsewhere/'", "must be a SELECT"),
    "names no fields": ("SELECT * FROM customers", "can't SELECT *"),
}


def test_queries_that_write_read_files_or_touch_other_tables_are_refused_and_notified(
    local_stack, federated, new_app
):
    app = new_app("refuse")
    executions = {
        case: run(federated, {"ApplicationId": app, "Type": "direct", "SegmentName": case, "Query": sql})
        for case, (sql, _reason) in REFUSED.items()
    }
    for case, execution in executions.items():
        description = finished(federated, execution)
        assert description["status"] == "FAILED", case
        assert description.get("error") in (None, "QueryRefused"), description
        body = notice(
            federated, "invalid", lambda b, case=case: b.get("Request", {}).get("SegmentName") == case
        )
        assert REFUSED[case][1] in body["Reason"], (case, body["Reason"])
    jobs = local_stack.client("dynamodb").scan(
        TableName=local_stack.stacks["engage"].outputs["JobsTableName"]
    )
    assert not [i for i in jobs["Items"] if app in json.dumps(i)], "a refused query imports nothing"


def test_a_query_that_fails_when_it_runs_is_reported_with_the_engines_reason(federated, new_app):
    app = new_app("fails")
    execution = run(
        federated,
        {
            "ApplicationId": app,
            "Type": "direct",
            "SegmentName": "Broken",
            "Query": "SELECT customer_id AS Id FROM customers WHERE CAST(tier AS INTEGER) = 1",
        },
    )
    assert finished(federated, execution)["status"] == "FAILED"
    body = notice(federated, "failure", lambda b: b.get("ApplicationId") == app)
    assert (
        body["query"]["value"]["State"] == "FAILED" and "Conversion Error" in body["query"]["value"]["Reason"]
    )


def test_a_named_query_for_an_unknown_name_is_refused(federated, new_app):
    app = new_app("named")
    execution = run(federated, {"ApplicationId": app, "Type": "mutate", "QueryName": "no_such_query"})
    assert finished(federated, execution)["status"] == "FAILED"
    body = notice(federated, "invalid", lambda b: b.get("Request", {}).get("ApplicationId") == app)
    assert "there is no named query no_such_query" in body["Reason"]


def test_the_schedule_runs_the_named_mutate_query(local_stack, federated):
    from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
    from engage.contacts import ContactStore

    outputs = local_stack.stacks["engage"].outputs
    contacts = ContactStore(
        DynamoEndpointRepository(outputs["ContactsTableName"], local_stack.client("dynamodb"))
    )
    for n, endpoint_id in enumerate(("c1", "c2"), start=1):
        contacts.upsert(
            SCHEDULED_SEGMENT_APP, endpoint_id, {"ChannelType": "SMS", "Address": f"+1206555990{n}"}
        )
    fired = control(local_stack, "tick", at="2026-12-02T03:17:00Z")["fired"]
    assert any(f["targets"] == [federated["workflow"]] for f in fired), fired
    job = notice(federated, "success", lambda b: b.get("ApplicationId") == SCHEDULED_SEGMENT_APP)["imported"][
        "job"
    ]
    assert job["JobStatus"] == "COMPLETED"
    assert contacts.get(SCHEDULED_SEGMENT_APP, "c2")["Attributes"] == {"Tier": ["gold"]}
    assert contacts.get(SCHEDULED_SEGMENT_APP, "c1")["Metrics"] == {"Spend": 180.0}


def test_the_sample_events_drive_the_check_and_the_run(local_stack, federated, new_app):
    """events/segmentation/segment_query_check/ and events/segmentation/segment_query_run/, as `sam local
    invoke` runs them."""
    app = new_app("sample")
    direct = invoke(
        local_stack,
        "Segmentation/SegmentQueryCheckFunction",
        _sample("segmentation/segment_query_check/direct.json", APP_ID=app),
        "engage",
    )["payload"]
    assert (direct["Status"], direct["Mode"], direct["Columns"]) == ("VALID", "members", ["Id"])
    named = invoke(
        local_stack,
        "Segmentation/SegmentQueryCheckFunction",
        _sample("segmentation/segment_query_check/named-mutate.json", APP_ID=app),
        "engage",
    )["payload"]
    assert named["Columns"] == [
        "Id",
        "Attributes.Tier",
        "User.UserAttributes.FavouriteColour",
        "Metrics.Spend",
    ]
    refused = invoke(
        local_stack,
        "Segmentation/SegmentQueryCheckFunction",
        _sample("segmentation/segment_query_check/refused.json", APP_ID=app),
        "engage",
    )["payload"]
    assert refused["Status"] == "INVALID" and "table payments" in refused["Reason"]
    started = invoke(
        local_stack,
        "Segmentation/SegmentQueryRunFunction",
        _sample("segmentation/segment_query_run/start.json", EXECUTION_NAME=app),
        "engage",
    )["payload"]
    assert started["State"] == "SUCCEEDED" and started["Key"].startswith("segment-queries/results/")
    body = local_stack.client("s3").get_object(Bucket=started["Bucket"], Key=started["Key"])["Body"].read()
    assert sorted(body.decode().splitlines()) == ["Id", "c1", "c2", "c7"]
    checked = invoke(
        local_stack,
        "Segmentation/SegmentQueryRunFunction",
        _sample("segmentation/segment_query_run/check.json", QUERY_ID=started["QueryId"]),
        "engage",
    )["payload"]
    assert checked == started
