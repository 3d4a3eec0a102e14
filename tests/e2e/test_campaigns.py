"""Campaigns through the Pinpoint-compatible API on the local stack, with a real boto3 pinpoint
client: create, read, list, update (versions), delete, and Pinpoint's errors (the campaign workflow
and its runs arrive with the rest of the campaigns issue)."""

from __future__ import annotations

import boto3
import engage
import pytest

pytestmark = pytest.mark.e2e
APP = "campaign-e2e"


@pytest.fixture(scope="module")
def pinpoint(local_stack):
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=local_stack.region
    )
    return engage.pinpoint_client(local_stack.api.url, session=session)


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
