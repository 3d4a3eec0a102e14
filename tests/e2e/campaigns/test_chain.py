"""The import, validate, campaign chain on the local stack, driven from the outside: a file dropped
under campaign-imports/<app>/ with the template in its metadata ends as messages in the outbox and
events on the stream; with approval asked, `engage campaign approve` starts the campaign and
`engage campaign reject` cancels it."""

from __future__ import annotations

import json

import pytest

from engage_local.api import wait_until
from tests.support.apps import SAMPLE_APP
from tests.support.cli import engage
from tests.support.console import signed_call
from tests.support.streams import stream_records

pytestmark = pytest.mark.e2e
VALID = ["+12065550181", "+12065550182", "+12065550183"]
INVALID = "+11235550100"  # area code 123 does not exist: validation makes the endpoint INACTIVE


def people_csv(prefix):
    rows = [f"{prefix}-{n},SMS,{number},Lead {n}" for n, number in enumerate([*VALID, INVALID])]
    return ("Id,ChannelType,Address,User.UserAttributes.FirstName\n" + "\n".join(rows) + "\n").encode()


def template(c, body="Hi {{User.UserAttributes.FirstName}}, welcome"):
    name = f"chain-{c.app}"
    c.pinpoint.create_sms_template(TemplateName=name, SMSTemplateRequest={"Body": body})
    return name


def test_a_dropped_file_is_imported_validated_and_sent_its_template(campaigning):
    c = campaigning
    c.drop("leads.csv", people_csv("lead"), **{"sms-template": template(c)})
    done = c.chain_notice("success")
    run_id, activity = done["run_id"], done["ran"]["activity"]
    assert (
        done["imported"]["job"]["JobStatus"] == "COMPLETED" and done["imported"]["job"]["TotalProcessed"] == 4
    )
    assert done["validated"]["summary"]["endpoints"] == 4  # the imported segment's numbers, no others
    assert (activity["State"], activity["TotalEndpointCount"]) == ("COMPLETED", 4)
    assert activity["Counts"]["Queued"] == 3 and activity["Counts"]["INACTIVE_ENDPOINT"] == 1
    sent = c.all_texts(activity["CampaignId"], 3)
    assert sorted(t["request"]["DestinationPhoneNumber"] for t in sent) == VALID
    assert all(t["request"]["MessageBody"].startswith("Hi Lead ") for t in sent)

    def events():
        return [
            r
            for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
            if r["attributes"].get("campaign_id") == activity["CampaignId"]
            and r["event_type"] == "_SMS.BUFFERED"
        ]

    assert wait_until(lambda: len(events()) >= 3, 30, 0.2)
    assert {e["attributes"]["campaign_activity_id"] for e in events()} == {run_id}


def test_a_chain_that_asks_for_approval_starts_when_approved_and_is_cancelled_when_rejected(campaigning):
    c = campaigning
    name = template(c, "Approved offer")
    c.drop("approve-me.csv", people_csv("yes"), **{"sms-template": name, "approval": "manual"})
    c.drop("reject-me.csv", people_csv("no"), **{"sms-template": name, "approval": "manual"})

    assert wait_until(lambda: len(c.approval_requests()) == 2, 120, 0.2)
    asked = c.approval_requests()
    assert all(a["State"] == "PENDING" and a["Validation"]["endpoints"] == 4 for a in asked)
    first, second = sorted(asked, key=lambda a: a["Campaign"]["SegmentName"])  # approve-me, reject-me
    status = engage("campaign", "status", "--app", c.app, first["Id"], "--json", state_dir=c.stack.state_dir)
    assert json.loads(status.stdout).get("State") == "PENDING", (status.stdout, status.stderr[-2000:])
    assert c.texts(first["CampaignId"]) == []  # nothing is sent while the approval waits

    # Approved in the console (its API route, as a FullAccess user); rejected with the CLI.
    approved = signed_call(
        c.stack,
        "FullAccess",
        "POST",
        f"/v1/apps/{c.app}/campaign-runs/{first['Id']}/approval",
        {"Approved": True},
    )
    assert approved.status_code == 200 and approved.json()["State"] == "PENDING", approved.text
    rejected = engage(
        "campaign",
        "reject",
        "--app",
        c.app,
        second["Id"],
        "--reason",
        "wrong list",
        state_dir=c.stack.state_dir,
    )
    assert rejected.returncode == 0, rejected.stderr

    done = c.chain_notice("success", run_id=first["Id"])
    assert done["ran"]["activity"]["Counts"]["Queued"] == 3
    assert len(c.all_texts(first["CampaignId"], 3)) == 3
    refused = c.chain_notice("rejected", run_id=second["Id"])
    assert refused["rejected"]["Error"] == "CampaignRejected" and "wrong list" in refused["rejected"]["Cause"]
    after = engage("campaign", "status", "--app", c.app, second["Id"], "--json", state_dir=c.stack.state_dir)
    assert json.loads(after.stdout)["State"] == "CANCELLED"
    assert c.texts(second["CampaignId"]) == []
    again = engage("campaign", "approve", "--app", c.app, second["Id"], state_dir=c.stack.state_dir)
    assert again.returncode == 1 and "not awaiting approval" in again.stderr
    twice = signed_call(
        c.stack,
        "FullAccess",
        "POST",
        f"/v1/apps/{c.app}/campaign-runs/{first['Id']}/approval",
        {"Approved": True},
    )
    assert twice.status_code == 409 and "not awaiting approval" in twice.json()["Message"]


def test_the_sample_events_drive_the_chain_and_event_campaign_functions(campaigning):
    """events/campaigns/chain_start/, events/campaigns/chain_approval/, events/campaigns/campaign_events/:
    as `sam local invoke`
    runs them, through the deployed functions."""
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    c = campaigning
    bucket, key = c.outputs["ImportBucketName"], f"campaign-imports/{SAMPLE_APP}/spring leads.csv"
    s3 = c.stack.client("s3")
    s3.put_object(Bucket=bucket, Key=key, Body=people_csv("sample"), Metadata={"sms-template": "welcome"})
    etag = s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    dropped = _sample("campaigns/chain_start/file_dropped.json", IMPORT_BUCKET=bucket, ETAG=etag)
    first = invoke(c.stack, "Campaigns/ChainStartFunction", dropped, stack="engage")["payload"]
    again = invoke(c.stack, "Campaigns/ChainStartFunction", dropped, stack="engage")["payload"]
    assert first["run_id"] == again["run_id"]  # Step Functions answers a repeated start with the same run
    arn = c.outputs["ChainWorkflowArn"].replace(":stateMachine:", ":execution:")
    execution = c.stack.client("stepfunctions").describe_execution(executionArn=f"{arn}:{first['run_id']}")
    assert execution["name"] == first["run_id"]
    executions = c.stack.client("stepfunctions").list_executions(
        stateMachineArn=c.outputs["ChainWorkflowArn"]
    )
    assert [e["name"] for e in executions["executions"]].count(first["run_id"]) == 1

    run_id = f"chain-sample-{c.app}"
    awaiting = _sample(
        "campaigns/chain_approval/awaiting.json", TASK_TOKEN="sample-token", RUN_ID=run_id, SEGMENT_ID="seg-1"
    )
    asked = invoke(c.stack, "Campaigns/ChainApprovalFunction", awaiting, stack="engage")["payload"]
    assert asked == {"run_id": run_id, "requested": True}
    status = engage("campaign", "status", "--app", SAMPLE_APP, run_id, "--json", state_dir=c.stack.state_dir)
    assert json.loads(status.stdout).get("State") == "PENDING", (status.stdout, status.stderr[-2000:])
    repeated = invoke(c.stack, "Campaigns/ChainApprovalFunction", awaiting, stack="engage")["payload"]
    assert repeated["requested"] is False  # a retried step asks once

    segment = c.pinpoint.create_segment(
        ApplicationId=SAMPLE_APP,
        WriteSegmentRequest={
            "Name": "gold",
            "Dimensions": {"Attributes": {"plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}},
        },
    )["SegmentResponse"]
    purchase = {
        "FilterType": "ENDPOINT",
        "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["purchase_success"]}},
    }
    c.pinpoint.create_campaign(
        ApplicationId=SAMPLE_APP,
        WriteCampaignRequest={
            "Name": "thanks",
            "SegmentId": segment["Id"],
            "MessageConfiguration": {"SMSMessage": {"Body": "Thanks"}},
            "Schedule": {"StartTime": "IMMEDIATE", "Frequency": "EVENT", "EventFilter": purchase},
        },
    )
    sample = _sample("campaigns/campaign_events/purchase_late.json")
    late = invoke(c.stack, "Campaigns/EventCampaignFunction", sample, stack="engage")
    assert late["payload"] == {"batchItemFailures": []}
    logs = "".join(
        p.read_text()
        for p in (c.stack.state_dir / "logs").rglob("*.log")
        if "EventCampaignFunction" in str(p)
    ).replace(" ", "")
    assert '"event_id":"6f1e2d3c-sample-purchase"' in logs and '"LATE":1' in logs
