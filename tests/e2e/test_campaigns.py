"""Campaigns through the Pinpoint-compatible API on the local stack, with a real boto3 pinpoint
client: create, read, list, update (versions), delete, and Pinpoint's errors (the campaign workflow
and its runs arrive with the rest of the campaigns issue)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e
APP = "campaign-e2e"


def test_a_campaign_is_created_read_listed_updated_and_deleted(pinpoint):
    request = {
        "Name": "spring sale",
        "SegmentId": "seg-1",
        "MessageConfiguration": {
            "SMSMessage": {"Body": "Hi {{User.UserAttributes.FirstName}}", "MessageType": "PROMOTIONAL"}
        },
        "Schedule": {
            "StartTime": "IMMEDIATE",
            "Frequency": "ONCE",
            "QuietTime": {"Start": "22:00", "End": "08:00"},
        },
        "HoldoutPercent": 10,
        "AdditionalTreatments": [
            {
                "SizePercent": 40,
                "TreatmentName": "B",
                "MessageConfiguration": {"SMSMessage": {"Body": "Hello"}},
            }
        ],
        "Limits": {"Daily": 1, "MessagesPerSecond": 50},
    }
    created = pinpoint.create_campaign(ApplicationId=APP, WriteCampaignRequest=request)["CampaignResponse"]
    assert created["Version"] == 1 and created["State"]["CampaignStatus"] == "SCHEDULED"
    assert created["AdditionalTreatments"][0]["Id"] == "1" and created["HoldoutPercent"] == 10
    read = pinpoint.get_campaign(ApplicationId=APP, CampaignId=created["Id"])["CampaignResponse"]
    assert read["Schedule"]["QuietTime"] == {"Start": "22:00", "End": "08:00"}
    listed = pinpoint.get_campaigns(ApplicationId=APP)["CampaignsResponse"]["Item"]
    assert created["Id"] in [c["Id"] for c in listed]
    updated = pinpoint.update_campaign(
        ApplicationId=APP, CampaignId=created["Id"], WriteCampaignRequest={**request, "IsPaused": True}
    )["CampaignResponse"]
    assert updated["Version"] == 2 and updated["State"]["CampaignStatus"] == "PAUSED"
    deleted = pinpoint.delete_campaign(ApplicationId=APP, CampaignId=created["Id"])["CampaignResponse"]
    assert deleted["Id"] == created["Id"]
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_campaign(ApplicationId=APP, CampaignId=created["Id"])


def test_a_campaign_pinpoint_would_refuse_is_a_bad_request_naming_the_field(pinpoint):
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="HoldoutPercent"):
        pinpoint.create_campaign(
            ApplicationId=APP,
            WriteCampaignRequest={
                "Name": "x",
                "SegmentId": "seg-1",
                "MessageConfiguration": {"SMSMessage": {"Body": "b"}},
                "Schedule": {"StartTime": "IMMEDIATE"},
                "HoldoutPercent": 150,
            },
        )


def test_a_campaign_run_sends_to_its_segment_minus_the_holdout_and_publishes_its_activity(
    local_stack, pinpoint
):
    import json
    import uuid

    from engage.adapters.contacts_dynamodb import DynamoEndpointRepository
    from engage.contacts import ContactStore

    from engage_local.api import wait_until
    from tests.support.topics import TopicInbox

    outputs = local_stack.stacks["engage"].outputs
    app = f"camprun{uuid.uuid4().hex[:6]}"
    contacts = ContactStore(
        DynamoEndpointRepository(outputs["ContactsTableName"], local_stack.client("dynamodb"))
    )
    for i in range(40):
        contacts.upsert(
            app,
            f"m-{i}",
            {
                "ChannelType": "SMS",
                "Address": f"+1206555{2000 + i:04d}",
                "Attributes": {"Plan": ["gold"]},
                "User": {"UserAttributes": {"FirstName": [f"N{i}"]}},
            },
        )
    segment = pinpoint.create_segment(
        ApplicationId=app,
        WriteSegmentRequest={
            "Name": "gold",
            "Dimensions": {"Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}},
        },
    )["SegmentResponse"]
    campaign = pinpoint.create_campaign(
        ApplicationId=app,
        WriteCampaignRequest={
            "Name": "gold offer",
            "SegmentId": segment["Id"],
            "MessageConfiguration": {
                "SMSMessage": {"Body": "Hi {{User.UserAttributes.FirstName}}", "MessageType": "PROMOTIONAL"}
            },
            "Schedule": {"StartTime": "IMMEDIATE"},
            "HoldoutPercent": 25,
        },
    )["CampaignResponse"]
    inbox = TopicInbox(local_stack, outputs["CampaignTopicArn"], f"campaign-{app}")
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    local_stack.client("stepfunctions").start_execution(
        stateMachineArn=outputs["CampaignWorkflowArn"],
        name=run_id,
        input=json.dumps({"ApplicationId": app, "CampaignId": campaign["Id"]}),
    )
    assert wait_until(lambda: inbox.about(lambda body: body.get("Id") == run_id), 90, 0.2)
    ((kind, summary),) = inbox.about(lambda body: body.get("Id") == run_id)
    assert kind == "success" and summary["State"] == "COMPLETED" and summary["TotalEndpointCount"] == 40
    counts = summary["Counts"]
    assert counts["Queued"] + counts["HOLDOUT"] == 40 and 4 <= counts["HOLDOUT"] <= 18

    def texts():
        return [
            e
            for e in local_stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
            if (e["request"].get("Context") or {}).get("campaign_id") == campaign["Id"]
        ]

    assert wait_until(lambda: len(texts()) >= counts["Queued"], 60, 0.2)
    sent = texts()
    assert len(sent) == counts["Queued"] and len(
        {e["request"]["DestinationPhoneNumber"] for e in sent}
    ) == len(sent)
    assert all(e["request"]["MessageBody"].startswith("Hi N") for e in sent)
    assert all(e["request"]["Context"]["treatment_id"] == "0" for e in sent)


def test_the_sample_events_run_a_seed_campaign_step_by_step(local_stack, pinpoint):
    """events/campaign_*/: the seed's input (a segment and an SMS template) through the deployed
    start, batch and finish functions, as `sam local invoke` would run them."""
    import json
    import uuid

    from engage.adapters.contacts_dynamodb import DynamoEndpointRepository
    from engage.contacts import ContactStore

    from tests.e2e.conftest import invoke
    from tests.e2e.test_imports import _sample

    outputs = local_stack.stacks["engage"].outputs
    contacts = ContactStore(
        DynamoEndpointRepository(outputs["ContactsTableName"], local_stack.client("dynamodb"))
    )
    contacts.upsert(
        "sample-app",
        "seed-sms-1",
        {"ChannelType": "SMS", "Address": "+12065553001", "Attributes": {"Seed": ["yes"]}},
    )
    segment = pinpoint.create_segment(
        ApplicationId="sample-app",
        WriteSegmentRequest={
            "Name": "seeded",
            "Dimensions": {"Attributes": {"Seed": {"AttributeType": "INCLUSIVE", "Values": ["yes"]}}},
        },
    )["SegmentResponse"]
    template = f"seed-{uuid.uuid4().hex[:6]}"
    pinpoint.create_sms_template(TemplateName=template, SMSTemplateRequest={"Body": "Welcome aboard"})
    run_id = f"sample-run-{uuid.uuid4().hex[:6]}"
    started = invoke(
        local_stack,
        "Campaigns/CampaignStartFunction",
        _sample(
            "campaign_start/seed_input.json", SEGMENT_ID=segment["Id"], TEMPLATE_NAME=template, RUN_ID=run_id
        ),
        stack="engage",
    )
    assert started["error"] is None, started
    run = started["payload"]
    assert run["campaign_id"] == f"seed-{run_id}" and run["parts"] == 1
    manifest = json.loads(
        local_stack.client("s3").get_object(Bucket=run["bucket"], Key=run["manifest"])["Body"].read()
    )
    part = _sample(
        "campaign_batch/part.json",
        CAMPAIGN_ID=run["campaign_id"],
        RUN_ID=run_id,
        WORK_BUCKET=run["bucket"],
        PART_KEY=manifest[0]["key"],
    )
    batch = invoke(local_stack, "Campaigns/CampaignBatchFunction", part, stack="engage")
    assert batch["payload"]["Queued"] == 1 and batch["payload"]["counted"] is True
    again = invoke(local_stack, "Campaigns/CampaignBatchFunction", part, stack="engage")
    assert again["payload"]["counted"] is False  # a retried part is not counted twice
    finished = invoke(
        local_stack,
        "Campaigns/CampaignFinishFunction",
        _sample("campaign_finish/run.json", RUN_ID=run_id),
        stack="engage",
    )
    assert finished["payload"]["State"] == "COMPLETED" and finished["payload"]["SuccessfulEndpointCount"] == 1
