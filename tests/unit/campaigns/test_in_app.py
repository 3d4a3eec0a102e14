"""In-app messaging (engage.campaigns.in_app): what an endpoint is entitled to, its caps (per
session, per day over every campaign, in total), quiet time in its zone, consent, and the checks of
in-app content and IN_APP campaigns."""

from datetime import UTC, datetime

import pytest
from engage.campaigns.in_app import Displays, InAppMessaging
from engage.campaigns.in_app_content import check_in_app
from engage.campaigns.model import new_campaign
from engage.errors import NotFoundError, ValidationError
from engage.events import Event

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # noon UTC
CONTENT = [
    {
        "BodyConfig": {"Alignment": "LEFT", "Body": "Hello", "TextColor": "#000000"},
        "HeaderConfig": {"Alignment": "LEFT", "Header": "Hi", "TextColor": "#000000"},
    }
]
SCHEDULE = {
    "StartTime": "IMMEDIATE",
    "Frequency": "IN_APP_EVENT",
    "EventFilter": {
        "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["_session.start"]}}
    },
}


def campaign(campaign_id, **request):
    base = {
        "Name": campaign_id,
        "SegmentId": "gold",
        "MessageConfiguration": {"InAppMessage": {"Content": CONTENT, "Layout": "TOP_BANNER"}},
        "Schedule": SCHEDULE,
    }
    return new_campaign("app", {**base, **request}, campaign_id=campaign_id)


class Campaigns:
    def __init__(self, *campaigns):
        self.campaigns = list(campaigns)

    def list(self, _app_id):
        return self.campaigns


class Endpoints:
    def __init__(self, **endpoints):
        self.endpoints = endpoints

    def get(self, _app_id, endpoint_id):
        if endpoint_id not in self.endpoints:
            raise NotFoundError(endpoint_id)
        return {"Id": endpoint_id, "ChannelType": "IN_APP", **self.endpoints[endpoint_id]}


class Shown:
    def __init__(self, displays=None):
        self.current = displays or Displays()
        self.recorded = []

    def displays(self, app_id, endpoint_id, day):
        self.day = day
        return self.current

    def note_session(self, *args):
        self.recorded.append(("session", *args))

    def count_display(self, *args):
        self.recorded.append(("display", *args))


class Templates:
    def get(self, kind, name, version=None):
        assert kind == "INAPP"
        return {"TemplateName": name, "Content": CONTENT, "Layout": "CAROUSEL", "CustomConfig": {"k": "v"}}


def static_segment(_app, segment_id):
    if segment_id == "imported":
        raise ValidationError("SegmentId", "static")
    return lambda endpoint: (endpoint.get("Attributes") or {}).get("Plan") == [segment_id]


def messaging(*campaigns, displays=None, limits=None, **endpoints):
    return InAppMessaging(
        campaigns=Campaigns(*campaigns),
        endpoints=Endpoints(**(endpoints or {"ep": {"Attributes": {"Plan": ["gold"]}}})),
        membership=static_segment,
        templates=Templates(),
        application_limits=lambda _app: limits or {},
        displays=displays or Shown(),
        clock=NOW.timestamp,
    )


def ids(answer):
    return [c["CampaignId"] for c in answer["InAppMessageCampaigns"]]


def test_live_campaigns_of_the_endpoints_segments_come_by_priority_with_their_caps():
    found = messaging(
        campaign("later", Priority=3, Limits={"Session": 2}),
        campaign("first", Priority=1),
        campaign("other-segment", SegmentId="silver"),
        campaign("imported", SegmentId="imported"),
        campaign("paused", IsPaused=True),
        campaign(
            "ended",
            Schedule={**SCHEDULE, "StartTime": "2026-11-01T00:00:00Z", "EndTime": "2026-12-01T00:00:00Z"},
        ),
        campaign(
            "templated",
            Priority=2,
            MessageConfiguration={},
            TemplateConfiguration={"InAppTemplate": {"Name": "t"}},
        ),
        limits={"Daily": 4, "Total": 9},
    ).messages("app", "ep")
    assert ids(found) == ["first", "templated", "later"]
    later = found["InAppMessageCampaigns"][2]
    assert (later["SessionCap"], later["DailyCap"], later["TotalCap"]) == (2, 4, 9)  # the app's defaults
    assert later["InAppMessage"] == {"Content": CONTENT, "Layout": "TOP_BANNER"}
    assert later["Schedule"] == {"EventFilter": SCHEDULE["EventFilter"]}
    assert found["InAppMessageCampaigns"][1]["InAppMessage"]["Layout"] == "CAROUSEL"  # the template's


@pytest.mark.parametrize(
    ("displays", "left"),
    [
        (Displays("s1", {"c": 1}, {"c": 1}, 1), []),  # once this session
        (Displays("s2", {}, {"c": 1}, 1), ["c"]),  # a new session
        (Displays("s2", {}, {"c": 3}, 3), []),  # its total
        (Displays("s2", {}, {"c": 1}, 5), []),  # five in-app messages today, whichever campaigns
    ],
)
def test_a_campaign_at_a_cap_is_left_out(displays, left):
    capped = campaign("c", Limits={"Session": 1, "Daily": 5, "Total": 3})
    assert ids(messaging(capped, displays=Shown(displays)).messages("app", "ep")) == left


def test_the_day_is_the_endpoints_and_quiet_time_holds_in_its_zone():
    quiet = campaign("quiet", Schedule={**SCHEDULE, "QuietTime": {"Start": "20:00", "End": "08:00"}})
    shown = Shown()
    tokyo = {"Attributes": {"Plan": ["gold"]}, "Demographic": {"Timezone": "Asia/Tokyo"}}  # 21:00 there
    assert ids(messaging(quiet, displays=shown, ep=tokyo).messages("app", "ep")) == []
    assert shown.day == "2026-12-07"
    paris = {"Attributes": {"Plan": ["gold"]}, "Demographic": {"Timezone": "Europe/Paris"}}  # 13:00
    assert ids(messaging(quiet, ep=paris).messages("app", "ep")) == ["quiet"]


@pytest.mark.parametrize("endpoint", [{"OptOut": "ALL"}, {"EndpointStatus": "INACTIVE"}])
def test_an_endpoint_opted_out_of_everything_or_inactive_gets_nothing(endpoint):
    found = messaging(campaign("c"), ep={"Attributes": {"Plan": ["gold"]}, **endpoint}).messages("app", "ep")
    assert found == {"InAppMessageCampaigns": []}


def test_an_unknown_endpoint_is_not_found():
    with pytest.raises(NotFoundError):
        messaging(campaign("c")).messages("app", "nobody")


def test_displays_and_sessions_are_recorded_from_the_sdks_events():
    shown = Shown()
    session = {"session_id": "s9", "start_timestamp": 1_700_000_000_000}
    events = [
        Event("_inapp.message_displayed", "app", "ep", {"campaign_id": "c"}, session=session, event_id="e1"),
        Event("_session.start", "app", "ep", session=session, event_id="e2"),
        Event("_custom.tap", "app", "ep", event_id="e3"),  # nothing to note
    ]
    older = {"session_id": "s8", "start_timestamp": 1_600_000_000_000}
    events.append(Event("_session.stop", "app", "ep", session=older, event_id="e4"))  # an older session's
    events.append(Event("_inapp.message_displayed", "app", "gone", {"campaign_id": "c"}, event_id="e5"))
    messaging(campaign("c"), displays=shown).record("app", events)
    assert shown.recorded == [
        ("display", "app", "ep", "e1", "s9", "c", "2026-12-07"),
        ("display", "app", "gone", "e5", None, "c", "2026-12-07"),  # no longer stored: UTC's day
        ("session", "app", "ep", "s9", 1_700_000_000_000),  # once for the batch, the latest
    ]


@pytest.mark.parametrize(
    ("message", "member"),
    [
        ({"Layout": "SIDEWAYS"}, "Layout"),
        ({"Content": []}, "Content"),
        ({"Content": CONTENT * 6}, "Content"),
        ({"Content": [{"BodyConfig": {"Alignment": "LEFT", "Body": "x"}}]}, "TextColor"),
        ({"Content": [{"BodyConfig": {"Alignment": "UP", "Body": "x", "TextColor": "#000"}}]}, "Alignment"),
        ({"Content": [{"PrimaryBtn": {"DefaultConfig": {"ButtonAction": "LINK", "Text": "Go"}}}]}, "Link"),
        ({"Content": [{"PrimaryBtn": {"DefaultConfig": {"ButtonAction": "CLOSE"}}}]}, "Text"),
        ({"Content": [{"Colour": "red"}]}, "Colour"),
        ({"CustomConfig": {"k": 1}}, "CustomConfig"),
    ],
)
def test_in_app_content_pinpoint_would_refuse_names_the_member(message, member):
    with pytest.raises(ValidationError, match=member):
        check_in_app(message, "InAppMessage")


def test_in_app_content_and_in_app_events_go_together():
    with pytest.raises(ValidationError, match="IN_APP_EVENT"):
        campaign("c", Schedule={"StartTime": "IMMEDIATE"})
    with pytest.raises(ValidationError, match="IN_APP_EVENT"):
        campaign("c", MessageConfiguration={"SMSMessage": {"Body": "x"}})
    with pytest.raises(ValidationError, match="in-app"):
        campaign(
            "c",
            AdditionalTreatments=[{"SizePercent": 10, "MessageConfiguration": {"SMSMessage": {"Body": "x"}}}],
        )
    with pytest.raises(ValidationError, match="EventFilter"):
        campaign("c", Schedule={"StartTime": "IMMEDIATE", "Frequency": "IN_APP_EVENT"})
    with pytest.raises(ValidationError, match="Priority"):
        campaign("c", Priority=-1)
