"""Recommender model configurations through a real boto3 pinpoint client, and a campaign whose
template names one: each message carries its recipient's recommendations, fetched from (emulated)
Amazon Personalize as the configuration's role and turned into titles by its Lambda function."""

from __future__ import annotations

import uuid

import pytest

from engage_local.iam.account import ACCOUNT
from tests.support.model_shapes import problems
from tests.support.roles import tagged_role

pytestmark = pytest.mark.e2e
TRANSFORMER = "engage-recommender-e2e-titles"


def _role(local_stack, campaign_arn: str) -> str:
    allowed = [{"Effect": "Allow", "Action": "personalize:GetRecommendations", "Resource": campaign_arn}]
    return tagged_role(local_stack, "engage:recommender", allowed, name="recommender")


def test_a_recommender_configuration_is_created_read_listed_updated_and_deleted(local_stack, pinpoint):
    campaign_arn = f"arn:aws:personalize:us-east-1:{ACCOUNT}:campaign/e2e-{uuid.uuid4().hex[:6]}"
    request = {
        "Name": "Movies",
        "RecommendationProviderUri": campaign_arn,
        "RecommendationProviderRoleArn": _role(local_stack, campaign_arn),
        "RecommendationsDisplayName": "Movie picks",
    }
    created = pinpoint.create_recommender_configuration(CreateRecommenderConfiguration=request)
    config = created["RecommenderConfigurationResponse"]
    assert not problems("pinpoint", "RecommenderConfigurationResponse", config)
    assert config["RecommendationsPerMessage"] == 5  # Pinpoint's defaults
    assert config["RecommendationProviderIdType"] == "PINPOINT_ENDPOINT_ID"
    read = pinpoint.get_recommender_configuration(RecommenderId=config["Id"])
    assert read["RecommenderConfigurationResponse"] == config
    listed = pinpoint.get_recommender_configurations()["ListRecommenderConfigurationsResponse"]["Item"]
    assert config["Id"] in [c["Id"] for c in listed]
    changed = pinpoint.update_recommender_configuration(
        RecommenderId=config["Id"],
        UpdateRecommenderConfiguration={**request, "RecommendationsPerMessage": 2},
    )["RecommenderConfigurationResponse"]
    assert changed["RecommendationsPerMessage"] == 2 and changed["CreationDate"] == config["CreationDate"]
    assert (
        pinpoint.get_recommender_configuration(RecommenderId=config["Id"])["RecommenderConfigurationResponse"]
        == changed
    )
    pinpoint.delete_recommender_configuration(RecommenderId=config["Id"])
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_recommender_configuration(RecommenderId=config["Id"])


def test_a_configuration_pinpoint_would_refuse_is_a_bad_request_naming_the_member(pinpoint):
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="RecommendationProviderUri"):
        pinpoint.create_recommender_configuration(
            CreateRecommenderConfiguration={
                "RecommendationProviderUri": "arn:aws:s3:::not-a-campaign",
                "RecommendationProviderRoleArn": f"arn:aws:iam::{ACCOUNT}:role/x",
                "RecommendationsDisplayName": "Picks",
            }
        )
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="Attributes"):
        pinpoint.create_recommender_configuration(
            CreateRecommenderConfiguration={
                "RecommendationProviderUri": f"arn:aws:personalize:us-east-1:{ACCOUNT}:campaign/c",
                "RecommendationProviderRoleArn": f"arn:aws:iam::{ACCOUNT}:role/x",
                "RecommendationTransformerUri": TRANSFORMER,
            }
        )


def test_a_campaigns_messages_carry_each_recipients_recommendations(local_stack, pinpoint, campaigning):
    c = campaigning
    campaign_arn = f"arn:aws:personalize:us-east-1:{ACCOUNT}:campaign/e2e-{uuid.uuid4().hex[:6]}"
    local_stack.emulated.personalize.train(
        campaign_arn, {"fan": ["i-1", "i-3", "i-2"], "critic": ["i-2", "i-1"]}, popular=["i-9", "i-1"]
    )
    config = pinpoint.create_recommender_configuration(
        CreateRecommenderConfiguration={
            "RecommendationProviderUri": campaign_arn,
            "RecommendationProviderRoleArn": _role(local_stack, campaign_arn),
            "RecommendationTransformerUri": TRANSFORMER,
            "Attributes": {"Recommendations.Title": "Title"},
            "RecommendationsPerMessage": 2,
        }
    )["RecommenderConfigurationResponse"]
    template = f"picks-{uuid.uuid4().hex[:6]}"
    pinpoint.create_sms_template(
        TemplateName=template,
        SMSTemplateRequest={
            "Body": "Tonight: {{Recommendations.Title.[0]}}, then {{Recommendations.Title.[1]}} "
            "({{RecommendationItems.[0]}})",
            "RecommenderId": config["Id"],
        },
    )
    c.people(["fan", "critic", "newcomer"], Attributes={"Plan": ["gold"]})
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"SMSMessage": {"MessageType": "PROMOTIONAL"}},
        TemplateConfiguration={"SMSTemplate": {"Name": template}},
    )
    sent = c.all_texts(campaign["Id"], 3)
    bodies = {e["request"]["DestinationPhoneNumber"]: e["request"]["MessageBody"] for e in sent}
    assert bodies == {
        c.number("fan"): "Tonight: Fleabag, then Catastrophe (i-1)",
        c.number("critic"): "Tonight: Late Night, then Fleabag (i-2)",
        c.number("newcomer"): "Tonight: Evergreen, then Fleabag (i-9)",  # a user the model never saw
    }
    asked = local_stack.emulated.outbox.entries("personalize-runtime", "GetRecommendations")
    mine = [e["request"] for e in asked if e["request"]["campaignArn"] == campaign_arn]
    assert sorted(r["userId"] for r in mine) == ["critic", "fan", "newcomer"]
    assert {r["numResults"] for r in mine} == {2}
