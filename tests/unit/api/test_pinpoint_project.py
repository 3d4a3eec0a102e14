"""The Project port over boto3's pinpoint client (engage.adapters.pinpoint.project), checked by
botocore's Stubber against Pinpoint's own model: request shapes, pages, a missing template, errors."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.pinpoint.project import PinpointProject
from engage.copying.project import ProjectCallError, TemplateRef


@pytest.fixture
def stubbed():
    client = boto3.client(
        "pinpoint", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        yield PinpointProject(client, "shop-eu", "eu-west-1", "https://api.example"), stub
        stub.assert_no_pending_responses()


def test_listings_are_read_page_by_page(stubbed):
    project, stub = stubbed
    stub.add_response(
        "get_segments",
        {"SegmentsResponse": {"Item": [_segment("s1")], "NextToken": "2"}},
        {"ApplicationId": "shop-eu", "PageSize": "100"},
    )
    stub.add_response(
        "get_segments",
        {"SegmentsResponse": {"Item": [_segment("s2")]}},
        {"ApplicationId": "shop-eu", "PageSize": "100", "Token": "2"},
    )
    stub.add_response(
        "list_templates",
        {"TemplatesResponse": {"Item": [_template("welcome")]}},
        {"PageSize": "100"},
    )
    assert [s["Id"] for s in project.segments()] == ["s1", "s2"]
    assert project.templates()[0]["TemplateName"] == "welcome"
    assert project.label == "eu-west-1/shop-eu"


def test_templates_are_written_per_channel_and_a_missing_one_is_none(stubbed):
    project, stub = stubbed
    stub.add_client_error(
        "get_sms_template",
        "NotFoundException",
        http_status_code=404,
        expected_params={"TemplateName": "gone"},
    )
    stub.add_response(
        "create_sms_template",
        {"CreateTemplateMessageBody": {"Message": "Created"}},
        {
            "TemplateName": "welcome",
            "SMSTemplateRequest": {"Body": "Hi", "tags": {"engage:copied-from": "x"}},
        },
    )
    stub.add_response(
        "get_email_template",
        {"EmailTemplateResponse": {**_template("news"), "TemplateType": "EMAIL", "Version": "4"}},
        {"TemplateName": "news"},
    )
    stub.add_response(
        "update_email_template",
        {"MessageBody": {"Message": "Accepted"}},
        {
            "TemplateName": "news",
            "Version": "4",
            "EmailTemplateRequest": {"Subject": "S", "HtmlPart": "<p/>"},
        },
    )
    stub.add_response("delete_push_template", {"MessageBody": {}}, {"TemplateName": "ping"})
    assert project.template(TemplateRef("gone", "SMS")) is None
    project.create_template(
        TemplateRef("welcome", "SMS"), {"Body": "Hi", "tags": {"engage:copied-from": "x"}}
    )
    project.update_template(TemplateRef("news", "EMAIL"), {"Subject": "S", "HtmlPart": "<p/>"})
    project.delete_template(TemplateRef("ping", "PUSH"))


def test_segments_and_campaigns_are_written_with_pinpoints_requests_and_errors_name_the_call(stubbed):
    project, stub = stubbed
    request = {
        "Name": "gold",
        "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}},
        "tags": {"a": "b"},
    }
    stub.add_response(
        "create_segment",
        {"SegmentResponse": _segment("s9")},
        {"ApplicationId": "shop-eu", "WriteSegmentRequest": request},
    )
    campaign = {
        "Name": "welcome",
        "SegmentId": "s9",
        "IsPaused": True,
        "Schedule": {"StartTime": "IMMEDIATE"},
    }
    stub.add_response(
        "update_campaign",
        {"CampaignResponse": _campaign("c1")},
        {"ApplicationId": "shop-eu", "CampaignId": "c1", "WriteCampaignRequest": campaign},
    )
    stub.add_client_error(
        "delete_segment", "BadRequestException", "SegmentId: campaign c1 (welcome) sends to it", 400
    )
    assert project.create_segment(request)["Id"] == "s9"
    assert project.update_campaign("c1", campaign)["Id"] == "c1"
    with pytest.raises(
        ProjectCallError, match="delete_segment on eu-west-1/shop-eu: BadRequestException: SegmentId"
    ):
        project.delete_segment("s9")


def _segment(segment_id):
    return {
        "Id": segment_id,
        "ApplicationId": "shop-eu",
        "Arn": "arn",
        "CreationDate": "2026-11-26T00:00:00Z",
        "SegmentType": "DIMENSIONAL",
    }


def _campaign(campaign_id):
    return {
        "Id": campaign_id,
        "ApplicationId": "shop-eu",
        "Arn": "arn",
        "CreationDate": "2026-11-26T00:00:00Z",
        "LastModifiedDate": "2026-11-26T00:00:00Z",
        "SegmentId": "s9",
        "SegmentVersion": 1,
    }


def _template(name):
    return {
        "TemplateName": name,
        "TemplateType": "SMS",
        "CreationDate": "2026-11-26T00:00:00Z",
        "LastModifiedDate": "2026-11-26T00:00:00Z",
    }


def test_a_journey_is_created_without_tags_then_tagged_and_an_update_syncs_its_tags(stubbed):
    """WriteJourneyRequest has no tags and updates no longer process them: the copy's tags are set
    by TagResource and UntagResource on the resource's ARN."""
    project, stub = stubbed
    app_arn = "arn:aws:mobiletargeting:eu-west-1:123456789012:apps/shop-eu"
    journey = {"Name": "welcome", "StartActivity": "a", "Activities": {"a": {"Wait": {}}}, "State": "DRAFT"}
    created = {"Id": "j1", "ApplicationId": "shop-eu", "Name": "welcome", "State": "DRAFT"}
    stub.add_response(
        "create_journey",
        {"JourneyResponse": created},
        {"ApplicationId": "shop-eu", "WriteJourneyRequest": journey},
    )
    stub.add_response(
        "get_app",
        {"ApplicationResponse": {"Arn": app_arn, "Id": "shop-eu", "Name": "s"}},
        {"ApplicationId": "shop-eu"},
    )
    stub.add_response(
        "list_tags_for_resource", {"TagsModel": {"tags": {}}}, {"ResourceArn": f"{app_arn}/journeys/j1"}
    )
    tags = {"engage:copied-from": "cli@us-east-1/shop/journeys/j0"}
    stub.add_response(
        "tag_resource", {}, {"ResourceArn": f"{app_arn}/journeys/j1", "TagsModel": {"tags": tags}}
    )
    assert project.create_journey({**journey, "tags": tags})["Id"] == "j1"

    template_arn = "arn:aws:mobiletargeting:eu-west-1:123456789012:templates/news/EMAIL"
    stub.add_response(
        "get_email_template",
        {"EmailTemplateResponse": {**_template("news"), "TemplateType": "EMAIL", "Version": "2"}},
        {"TemplateName": "news"},
    )
    stub.add_response("update_email_template", {"MessageBody": {}})
    stub.add_response(
        "list_tags_for_resource", {"TagsModel": {"tags": {"old": "1", **tags}}}, {"ResourceArn": template_arn}
    )
    stub.add_response("untag_resource", {}, {"ResourceArn": template_arn, "TagKeys": ["old"]})
    project.update_template(
        TemplateRef("news", "EMAIL"), {"Subject": "S", "tags": tags}
    )  # only the stray key goes
    stub.add_response(
        "list_journeys",
        {"JourneysResponse": {"Item": [created]}},
        {"ApplicationId": "shop-eu", "PageSize": "100"},
    )
    stub.add_response(
        "delete_journey", {"JourneyResponse": created}, {"ApplicationId": "shop-eu", "JourneyId": "j1"}
    )
    assert [j["Id"] for j in project.journeys()] == ["j1"]
    project.delete_journey("j1")
