"""Pinpoint's campaign model (engage.campaigns.model): requests checked as Pinpoint checked them,
versions, and stable treatment assignment with holdout."""

from collections import Counter

import pytest
from engage.campaigns.model import assignment, check_request, new_campaign, treatment, updated_campaign
from engage.errors import ValidationError

APP = "campapp"
SMS = {"SMSMessage": {"Body": "Hi {{User.UserAttributes.FirstName}}", "MessageType": "PROMOTIONAL"}}


def request(**extra):
    return {
        "Name": "spring",
        "SegmentId": "seg-1",
        "MessageConfiguration": SMS,
        "Schedule": {"StartTime": "IMMEDIATE", "Frequency": "ONCE"},
        **extra,
    }


def test_a_campaign_is_created_scheduled_at_version_one_and_updated_to_the_next():
    campaign = new_campaign(APP, request(), "c-1")
    assert (campaign["Id"], campaign["Version"], campaign["State"]) == (
        "c-1",
        1,
        {"CampaignStatus": "SCHEDULED"},
    )
    assert campaign["HoldoutPercent"] == 0 and campaign["Arn"].endswith("/campaigns/c-1")
    paused = updated_campaign(campaign, request(IsPaused=True, Name="spring v2"))
    assert (paused["Version"], paused["Name"], paused["State"]["CampaignStatus"]) == (
        2,
        "spring v2",
        "PAUSED",
    )
    assert paused["CreationDate"] == campaign["CreationDate"]
    resumed = updated_campaign(paused, request(IsPaused=False))
    assert resumed["State"]["CampaignStatus"] == "SCHEDULED"


def test_the_deprecated_delivery_hook_becomes_a_custom_channel():
    checked = check_request(
        {
            **request(),
            "MessageConfiguration": None,
            "Hook": {"LambdaFunctionName": "engage-custom-crm", "Mode": "DELIVERY"},
        }
    )
    assert (
        checked["CustomDeliveryConfiguration"]["DeliveryUri"] == "engage-custom-crm" and "Hook" not in checked
    )
    filtering = check_request(request(Hook={"LambdaFunctionName": "engage-hook", "Mode": "FILTER"}))
    assert filtering["Hook"] == {"LambdaFunctionName": "engage-hook", "Mode": "FILTER"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"SegmentId": None}, "SegmentId"),
        ({"MessageConfiguration": None}, "MessageConfiguration"),
        ({"MessageConfiguration": {"FaxMessage": {}}}, "MessageConfiguration.FaxMessage"),
        ({"TemplateConfiguration": {"SMSTemplate": {}}}, "TemplateConfiguration.SMSTemplate.Name"),
        ({"Schedule": None}, "Schedule"),
        ({"Schedule": {"StartTime": "tomorrow"}}, "Schedule.StartTime"),
        ({"Schedule": {"StartTime": "2026-12-01T10:00:00"}}, "Schedule.StartTime"),
        ({"Schedule": {"StartTime": "IMMEDIATE", "Frequency": "DAILY"}}, "Schedule.EndTime"),
        (
            {
                "Schedule": {
                    "StartTime": "2026-12-02T00:00:00Z",
                    "EndTime": "2026-12-01T00:00:00Z",
                    "Frequency": "DAILY",
                }
            },
            "Schedule.EndTime",
        ),
        ({"Schedule": {"StartTime": "IMMEDIATE", "Frequency": "EVENT"}}, "Schedule.EventFilter"),
        (
            {"Schedule": {"StartTime": "IMMEDIATE", "QuietTime": {"Start": "22:00", "End": "7:00"}}},
            "Schedule.QuietTime",
        ),
        ({"HoldoutPercent": 101}, "HoldoutPercent"),
        ({"HoldoutPercent": 50, "AdditionalTreatments": [{"SizePercent": 60}]}, "AdditionalTreatments"),
        ({"AdditionalTreatments": [{"SizePercent": 0}]}, "AdditionalTreatments[0].SizePercent"),
        ({"Limits": {"Daily": 101}}, "Limits.Daily"),
        ({"Limits": {"MessagesPerSecond": 0}}, "Limits.MessagesPerSecond"),
        ({"Limits": {"MaximumDuration": 30}}, "Limits.MaximumDuration"),
        ({"Hook": {"Mode": "FILTER"}}, "Hook.LambdaFunctionName"),
    ],
)
def test_requests_pinpoint_would_refuse_are_refused_by_field(changes, field):
    with pytest.raises(ValidationError) as refused:
        check_request({**request(), **changes})
    assert refused.value.field == field


def test_assignment_is_stable_and_follows_the_percentages():
    campaign = new_campaign(
        APP,
        request(HoldoutPercent=10, AdditionalTreatments=[{"SizePercent": 30, "MessageConfiguration": SMS}]),
        "c-9",
    )
    ids = [f"ep-{i}" for i in range(20_000)]
    first = [assignment(campaign, e) for e in ids]
    assert first == [assignment(campaign, e) for e in ids]
    shares = Counter(first)
    assert abs(shares[None] / 20_000 - 0.10) < 0.01
    assert abs(shares["1"] / 20_000 - 0.30) < 0.015
    assert abs(shares["0"] / 20_000 - 0.60) < 0.015
    other = new_campaign(APP, request(HoldoutPercent=10), "c-10")
    assert [assignment(other, e) for e in ids[:200]] != first[:200]  # a different campaign, a different draw


def test_a_treatment_sends_its_own_content_and_falls_back_to_the_campaigns():
    email = {"EmailMessage": {"Title": "T", "HtmlBody": "<p>x</p>"}}
    campaign = new_campaign(
        APP,
        request(
            AdditionalTreatments=[{"SizePercent": 50, "MessageConfiguration": email, "TreatmentName": "B"}]
        ),
        "c-2",
    )
    assert treatment(campaign, "0")["MessageConfiguration"] == SMS
    b = treatment(campaign, "1")
    assert (
        b["MessageConfiguration"] == email
        and b["TreatmentName"] == "B"
        and b["Schedule"] == campaign["Schedule"]
    )
