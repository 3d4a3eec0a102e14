"""In-app messaging through a real boto3 pinpoint client, as a mobile SDK uses it: in-app templates,
IN_APP campaigns, and GetInAppMessages, which answers what the endpoint is entitled to, the lowest
Priority first, and leaves out a campaign once the endpoint has been shown it as often as its caps
allow: per session (the SDK's sessions, from PutEvents), in total, and counting a replayed display
event once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.support.model_shapes import problems

pytestmark = pytest.mark.e2e
CONTENT = [
    {
        "BackgroundColor": "#f8e71c",
        "BodyConfig": {"Alignment": "CENTER", "Body": "Spring sale: 20% off", "TextColor": "#d0021b"},
        "HeaderConfig": {"Alignment": "CENTER", "Header": "Sale", "TextColor": "#d0021b"},
        "PrimaryBtn": {"DefaultConfig": {"ButtonAction": "CLOSE", "Text": "Dismiss"}},
    }
]
ON_START = {
    "FilterType": "SYSTEM",
    "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["_session.start"]}},
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_in_app_templates_are_created_versioned_read_and_deleted(pinpoint):
    name = f"sale-{uuid.uuid4().hex[:6]}"
    pinpoint.create_in_app_template(
        TemplateName=name, InAppTemplateRequest={"Content": CONTENT, "Layout": "MIDDLE_BANNER"}
    )
    read = pinpoint.get_in_app_template(TemplateName=name)["InAppTemplateResponse"]
    assert not problems("pinpoint", "InAppTemplateResponse", read)
    assert (read["TemplateType"], read["Version"], read["Layout"]) == ("INAPP", "1", "MIDDLE_BANNER")
    pinpoint.update_in_app_template(
        TemplateName=name,
        CreateNewVersion=True,
        InAppTemplateRequest={"Content": CONTENT, "Layout": "CAROUSEL"},
    )
    assert pinpoint.get_in_app_template(TemplateName=name, Version="2")["InAppTemplateResponse"][
        "Layout"
    ] == ("CAROUSEL")
    assert (
        pinpoint.get_in_app_template(TemplateName=name)["InAppTemplateResponse"]["Version"] == "1"
    )  # active
    broken = [{**CONTENT[0], "PrimaryBtn": {"DefaultConfig": {"ButtonAction": "JUMP", "Text": "x"}}}]
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="ButtonAction"):
        pinpoint.create_in_app_template(TemplateName=f"{name}-x", InAppTemplateRequest={"Content": broken})
    pinpoint.delete_in_app_template(TemplateName=name)
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_in_app_template(TemplateName=name)


def test_an_endpoint_gets_its_in_app_messages_by_priority_and_caps_hold_per_session(pinpoint, new_app):
    app = new_app("in-app")
    for endpoint_id, plan in (("phone", "gold"), ("other", "basic")):
        pinpoint.update_endpoint(
            ApplicationId=app,
            EndpointId=endpoint_id,
            EndpointRequest={"ChannelType": "IN_APP", "Attributes": {"Plan": [plan]}},
        )
    segment = pinpoint.create_segment(
        ApplicationId=app,
        WriteSegmentRequest={
            "Name": "gold",
            "Dimensions": {"Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}},
        },
    )["SegmentResponse"]
    template = f"banner-{uuid.uuid4().hex[:6]}"
    pinpoint.create_in_app_template(
        TemplateName=template, InAppTemplateRequest={"Content": CONTENT, "Layout": "TOP_BANNER"}
    )
    schedule = {"StartTime": "IMMEDIATE", "Frequency": "IN_APP_EVENT", "EventFilter": ON_START}
    capped = pinpoint.create_campaign(
        ApplicationId=app,
        WriteCampaignRequest={
            "Name": "banner",
            "SegmentId": segment["Id"],
            "TemplateConfiguration": {"InAppTemplate": {"Name": template}},
            "Schedule": schedule,
            "Priority": 2,
            "Limits": {"Session": 1, "Total": 2},
        },
    )["CampaignResponse"]
    urgent = pinpoint.create_campaign(
        ApplicationId=app,
        WriteCampaignRequest={
            "Name": "urgent",
            "SegmentId": segment["Id"],
            "MessageConfiguration": {"InAppMessage": {"Content": CONTENT, "Layout": "OVERLAYS"}},
            "Schedule": schedule,
            "Priority": 1,
        },
    )["CampaignResponse"]
    assert not pinpoint.get_campaign_activities(ApplicationId=app, CampaignId=urgent["Id"])[
        "ActivitiesResponse"
    ]["Item"]  # fetched by the app, never sent

    def fetched(endpoint_id: str = "phone") -> list[dict]:
        answer = pinpoint.get_in_app_messages(ApplicationId=app, EndpointId=endpoint_id)
        assert not problems("pinpoint", "InAppMessagesResponse", answer["InAppMessagesResponse"])
        return answer["InAppMessagesResponse"]["InAppMessageCampaigns"]

    started: dict[str, str] = {}  # each session's start, as the SDK reports it with every event

    def events(*items: tuple[str, str, str, str | None]) -> None:
        batch = {
            event_id: {
                "EventType": event_type,
                "Timestamp": _now(),
                "Session": {"Id": session, "StartTimestamp": started.setdefault(session, _now())},
                **({"Attributes": {"campaign_id": campaign, "treatment_id": "0"}} if campaign else {}),
            }
            for event_id, event_type, session, campaign in items
        }
        pinpoint.put_events(
            ApplicationId=app, EventsRequest={"BatchItem": {"phone": {"Endpoint": {}, "Events": batch}}}
        )

    first = fetched()
    assert [c["CampaignId"] for c in first] == [urgent["Id"], capped["Id"]]  # priority 1 first
    banner = first[1]
    assert banner["InAppMessage"]["Layout"] == "TOP_BANNER" and banner["InAppMessage"]["Content"] == CONTENT
    assert (banner["SessionCap"], banner["TotalCap"], banner["DailyCap"], banner["TreatmentId"]) == (
        1,
        2,
        0,
        "0",
    )
    assert banner["Schedule"]["EventFilter"] == ON_START
    assert fetched("other") == []  # not in the segment

    events(("s1-start", "_session.start", "s1", None), ("d1", "_inapp.message_displayed", "s1", capped["Id"]))
    assert [c["CampaignId"] for c in fetched()] == [urgent["Id"]]  # shown once this session
    events(("s2-start", "_session.start", "s2", None))
    assert [c["CampaignId"] for c in fetched()] == [urgent["Id"], capped["Id"]]  # a new session
    events(("d1", "_inapp.message_displayed", "s1", capped["Id"]))  # the same event again
    assert [c["CampaignId"] for c in fetched()] == [urgent["Id"], capped["Id"]]  # counted once
    events(("d2", "_inapp.message_displayed", "s2", capped["Id"]), ("s3-start", "_session.start", "s3", None))
    assert [c["CampaignId"] for c in fetched()] == [urgent["Id"]]  # its total of 2 is reached

    pinpoint.update_campaign(
        ApplicationId=app, CampaignId=urgent["Id"], WriteCampaignRequest={"IsPaused": True}
    )
    assert fetched() == []
    pinpoint.update_endpoint(ApplicationId=app, EndpointId="phone", EndpointRequest={"OptOut": "ALL"})
    pinpoint.update_campaign(
        ApplicationId=app, CampaignId=urgent["Id"], WriteCampaignRequest={"IsPaused": False}
    )
    assert fetched() == []  # opted out of everything
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_in_app_messages(ApplicationId=app, EndpointId="nobody")


def test_an_in_app_campaign_is_in_app_alone_on_in_app_events(pinpoint, new_app):
    app = new_app("in-app-bad")
    segment = pinpoint.create_segment(
        ApplicationId=app,
        WriteSegmentRequest={
            "Name": "in-app",
            "Dimensions": {"Demographic": {"Channel": {"Values": ["IN_APP"]}}},
        },
    )["SegmentResponse"]
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="IN_APP_EVENT"):
        pinpoint.create_campaign(
            ApplicationId=app,
            WriteCampaignRequest={
                "Name": "x",
                "SegmentId": segment["Id"],
                "MessageConfiguration": {"InAppMessage": {"Content": CONTENT}},
                "Schedule": {"StartTime": "IMMEDIATE"},
            },
        )
