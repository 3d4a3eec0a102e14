"""TagResource, UntagResource and ListTagsForResource through a real boto3 pinpoint client on the
local stack, on each kind of resource Pinpoint tagged: applications, campaigns, segments, journeys
and templates. Tags change in place (no new version) and outlive the resource's updates."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.e2e


def tags_of(pinpoint, arn):
    return pinpoint.list_tags_for_resource(ResourceArn=arn)["TagsModel"]["tags"]


def retagged(pinpoint, arn):
    pinpoint.tag_resource(ResourceArn=arn, TagsModel={"tags": {"team": "growth", "cost": "mkt"}})
    pinpoint.untag_resource(ResourceArn=arn, TagKeys=["cost"])
    return tags_of(pinpoint, arn)


def test_each_kind_of_resource_is_tagged_untagged_and_listed_by_its_arn(pinpoint):
    app = pinpoint.create_app(CreateApplicationRequest={"Name": "tags", "tags": {"owner": "ana"}})
    app_id, apps_arn = app["ApplicationResponse"]["Id"], app["ApplicationResponse"]["Arn"]
    assert retagged(pinpoint, apps_arn) == {"owner": "ana", "team": "growth"}
    # The AWS CLI's tag-resource example, with its account part as written there.
    cli_arn = f"arn:aws:mobiletargeting:us-east-1:AIDACKCEVSQ6C2EXAMPLE:apps/{app_id}"
    pinpoint.tag_resource(ResourceArn=cli_arn, TagsModel={"tags": {"Stack": "Production", "Year": "2019"}})
    assert tags_of(pinpoint, cli_arn) == {
        "owner": "ana",
        "team": "growth",
        "Stack": "Production",
        "Year": "2019",
    }
    assert pinpoint.get_app(ApplicationId=app_id)["ApplicationResponse"]["tags"]["team"] == "growth"

    dimensions = {"Demographic": {"Channel": {"Values": ["EMAIL"]}}}
    segment = pinpoint.create_segment(
        ApplicationId=app_id, WriteSegmentRequest={"Name": "all", "Dimensions": dimensions}
    )["SegmentResponse"]
    segment_arn = f"{apps_arn}/segments/{segment['Id']}"
    assert retagged(pinpoint, segment_arn) == {"team": "growth"}
    pinpoint.update_segment(
        ApplicationId=app_id,
        SegmentId=segment["Id"],
        WriteSegmentRequest={"Name": "renamed", "Dimensions": dimensions},
    )
    assert tags_of(pinpoint, segment_arn) == {"team": "growth"}  # an update keeps them

    template = f"tags-{uuid.uuid4().hex[:8]}"
    pinpoint.create_email_template(
        TemplateName=template, EmailTemplateRequest={"Subject": "Hi", "TextPart": "x"}
    )
    template_arn = apps_arn.split(":apps/")[0] + f":templates/{template}/EMAIL"
    assert retagged(pinpoint, template_arn) == {"team": "growth"}
    pinpoint.update_email_template(
        TemplateName=template,
        EmailTemplateRequest={"Subject": "Hello", "TextPart": "y"},
        CreateNewVersion=True,
    )
    shown = pinpoint.get_email_template(TemplateName=template)["EmailTemplateResponse"]
    assert shown["tags"] == {"team": "growth"}

    campaign = pinpoint.create_campaign(
        ApplicationId=app_id,
        WriteCampaignRequest={
            "Name": "c",
            "SegmentId": segment["Id"],
            "Schedule": {"StartTime": "IMMEDIATE"},
            "IsPaused": True,
            "MessageConfiguration": {
                "EmailMessage": {"Title": "t", "HtmlBody": "<p>b</p>", "FromAddress": "a@example.com"}
            },
        },
    )["CampaignResponse"]
    campaign_arn = f"{apps_arn}/campaigns/{campaign['Id']}"
    assert retagged(pinpoint, campaign_arn) == {"team": "growth"}
    again = pinpoint.get_campaign(ApplicationId=app_id, CampaignId=campaign["Id"])["CampaignResponse"]
    assert again["Version"] == campaign["Version"] and again["tags"] == {"team": "growth"}  # no new version

    journey = pinpoint.create_journey(
        ApplicationId=app_id,
        WriteJourneyRequest={
            "Name": "j",
            "StartActivity": "a",
            "Activities": {"a": {"Wait": {"WaitTime": {"WaitFor": "P1D"}}}},
        },
    )["JourneyResponse"]
    journey_arn = f"{apps_arn}/journeys/{journey['Id']}"
    assert retagged(pinpoint, journey_arn) == {"team": "growth"}
    assert pinpoint.get_journey(ApplicationId=app_id, JourneyId=journey["Id"])["JourneyResponse"]["tags"] == {
        "team": "growth"
    }

    with pytest.raises(ClientError) as unknown:
        tags_of(pinpoint, f"{apps_arn}/journeys/{uuid.uuid4().hex}")
    assert unknown.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as malformed:
        tags_of(pinpoint, "arn:aws:s3:::bucket")
    assert malformed.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError, match="aws:"):
        pinpoint.tag_resource(ResourceArn=journey_arn, TagsModel={"tags": {"aws:reserved": "x"}})
