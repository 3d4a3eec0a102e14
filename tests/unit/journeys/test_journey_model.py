"""Pinpoint's journeys (engage.journeys.model): WriteJourneyRequest checked as Pinpoint documented
it, errors naming the field, every member kept, and the state rules of CreateJourney, UpdateJourney
and UpdateJourneyState."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from engage.errors import ConflictError, NotFoundError, ValidationError
from engage.journeys.model import MAX_ACTIVITIES, Journeys, check_request, duration

APP = "0123456789abcdef0123456789abcdef"
JOURNEY: dict[str, Any] = {
    "Name": "Welcome series",
    "StartActivity": "welcome",
    "StartCondition": {"SegmentStartCondition": {"SegmentId": "seg-1"}},
    "Activities": {
        "welcome": {"EMAIL": {"TemplateName": "welcome", "NextActivity": "pause"}},
        "pause": {"Wait": {"WaitTime": {"WaitFor": "P1D"}, "NextActivity": "split"}},
        "split": {
            "MultiCondition": {
                "Branches": [{"Condition": {"Conditions": []}, "NextActivity": "reminder"}],
                "DefaultActivity": "holdout",
            }
        },
        "reminder": {"SMS": {"TemplateName": "reminder"}},
        "holdout": {"Holdout": {"Percentage": 10}},
    },
    "Limits": {"DailyCap": 2, "EndpointReentryCap": 0, "EndpointReentryInterval": "PT12H"},
    "RefreshFrequency": "PT1H",
    "JourneyChannelSettings": {"ConnectCampaignArn": "arn:aws:connect:us-east-1:123456789012:instance/x"},
    "TimezoneEstimationMethods": ["PHONE_NUMBER"],
}


class MemoryJourneys:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def put(self, journey: dict[str, Any], replacing: str | None = None) -> None:
        key = (journey["ApplicationId"], journey["Id"])
        current = self.items.get(key)
        if (replacing is None) != (current is None) or (current and current["LastModifiedDate"] != replacing):
            raise ConflictError(f"journey {journey['Id']} was changed meanwhile")
        self.items[key] = copy.deepcopy(journey)

    def get(self, app_id: str, journey_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.items.get((app_id, journey_id)))

    def list(self, app_id: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(j) for (app, _), j in self.items.items() if app == app_id]

    def delete(self, app_id: str, journey_id: str) -> None:
        self.items.pop((app_id, journey_id), None)


@pytest.fixture
def journeys() -> Journeys:
    return Journeys(MemoryJourneys())


def with_(**changes: Any) -> dict[str, Any]:
    request = copy.deepcopy(JOURNEY)
    request.update(changes)
    return request


# --- the request -----------------------------------------------------------------------------------
def test_a_journey_is_kept_whole_and_answered_as_journey_response(journeys):
    created = journeys.create(APP, JOURNEY)
    assert {k: created[k] for k in JOURNEY} == JOURNEY
    assert (created["ApplicationId"], created["State"], created["tags"]) == (APP, "DRAFT", {})
    assert len(created["Id"]) == 32 and created["CreationDate"] == created["LastModifiedDate"]
    assert journeys.get(APP, created["Id"]) == created and journeys.list(APP) == [created]


@pytest.mark.parametrize(
    ("request_", "field", "reason"),
    [
        ({"Name": ""}, "Name", "is required"),
        (with_(Nmae="x"), "Nmae", "not a member of WriteJourneyRequest"),
        (with_(State="PAUSED"), "State", "use UpdateJourneyState"),
        (with_(StartActivity="nowhere"), "StartActivity", "not an activity of this journey"),
        (
            with_(Activities={"a": {"EMAIL": {"NextActivity": "b"}}}, StartActivity="a"),
            "Activities.a.EMAIL.NextActivity",
            "'b', which is not an activity",
        ),
        (
            with_(Activities={"a": {"EMAIL": {}, "SMS": {}}}, StartActivity="a"),
            "Activities.a",
            "names 2 activity types",
        ),
        (with_(Activities={"a-b": {"EMAIL": {}}}, StartActivity=None), "Activities.a-b", "alphanumeric"),
        (
            with_(Activities={"a": {"Email": {}}}, StartActivity="a"),
            "Activities.a.Email",
            "not an activity type",
        ),
        (with_(Limits={"DailyCap": 101}), "Limits.DailyCap", "from 0 to 100"),
        (with_(Limits={"EndpointReentryInterval": "12 hours"}), "Limits.EndpointReentryInterval", "ISO 8601"),
        (
            with_(Schedule={"StartTime": "2027-01-02T00:00:00Z", "EndTime": "2027-01-01T00:00:00Z"}),
            "Schedule.EndTime",
            "after Schedule.StartTime",
        ),
        (with_(Schedule={"Timezone": "Europe/Paris"}), "Schedule.Timezone", "Pinpoint's UTC offsets"),
        (with_(State="ACTIVE", StartCondition=None), "StartCondition", "required to publish"),
        (
            with_(
                State="ACTIVE",
                Activities={"a": {"ContactCenter": {}}},
                StartActivity="a",
                JourneyChannelSettings={},
            ),
            "JourneyChannelSettings.ConnectCampaignArn",
            "required to publish a journey with a contact center activity",
        ),
        (
            with_(
                State="ACTIVE",
                Activities={"a": {"ContactCenter": {}}},
                StartActivity="a",
                JourneyChannelSettings={
                    "ConnectCampaignArn": "arn:aws:connect-campaigns:us-east-1:123456789012:campaign/c",
                    "ConnectCampaignExecutionRoleArn": "calls",
                },
            ),
            "JourneyChannelSettings.ConnectCampaignExecutionRoleArn",
            "not a valid ARN",
        ),
        (
            with_(StartCondition={"SegmentStartCondition": {}}),
            "StartCondition.SegmentStartCondition.SegmentId",
            "is required",
        ),
        (
            with_(Activities={"a": {"Holdout": {"Percentage": 120}}}, StartActivity="a"),
            "Activities.a.Holdout.Percentage",
            "from 0 to 100",
        ),
        (
            with_(
                Activities={"a": {"RandomSplit": {"Branches": [{"Percentage": 60}, {"Percentage": 60}]}}},
                StartActivity="a",
            ),
            "Activities.a.RandomSplit.Branches",
            "together at most 100",
        ),
        (
            with_(StartCondition={"EventStartCondition": {"SegmentId": "s"}}),
            "StartCondition.EventStartCondition.EventFilter",
            "needs an EventFilter with Dimensions",
        ),
        (
            with_(StartCondition={"EventStartCondition": {"EventFilter": {"Dimensions": {}}}}),
            "StartCondition.EventStartCondition.EventFilter.FilterType",
            "ENDPOINT or SYSTEM",
        ),
        (
            with_(
                StartCondition={
                    "EventStartCondition": {
                        "EventFilter": {"FilterType": "ENDPOINT", "Dimensions": {"EventType": {"Values": []}}}
                    }
                }
            ),
            "StartCondition.EventStartCondition.EventFilter.Dimensions.EventType",
            "needs Values",
        ),
    ],
)
def test_a_request_pinpoint_refuses_is_refused_naming_the_field(request_, field, reason):
    with pytest.raises(ValidationError) as refused:
        check_request(request_)
    assert refused.value.field == field and reason in str(refused.value)


def test_activities_that_lead_back_to_themselves_are_refused():
    loop = {
        "a": {"EMAIL": {"NextActivity": "b"}},
        "b": {"Wait": {"WaitTime": {"WaitFor": "PT1H"}, "NextActivity": "c"}},
        "c": {"ConditionalSplit": {"TrueActivity": "a", "FalseActivity": None}},
    }
    with pytest.raises(ValidationError, match="a -> b -> c -> a"):
        check_request(with_(Activities=loop, StartActivity="a"))


def test_pinpoints_quotas_on_activities_and_paths():
    many = {f"a{i}": {"SMS": {}} for i in range(MAX_ACTIVITIES + 1)}
    with pytest.raises(ValidationError, match="at most 40"):
        check_request(with_(Activities=many, StartActivity="a0"))
    five = {"Branches": [{"NextActivity": "end"}] * 5, "DefaultActivity": "end"}
    paths = {"split": {"MultiCondition": five}, "end": {"SMS": {}}}
    with pytest.raises(ValidationError, match="besides its default"):
        check_request(with_(Activities=paths, StartActivity="split"))
    six = {
        "split": {"RandomSplit": {"Branches": [{"Percentage": 10, "NextActivity": "end"}] * 6}},
        "end": {"SMS": {}},
    }
    with pytest.raises(ValidationError, match="at most 5"):
        check_request(with_(Activities=six, StartActivity="split"))


def test_durations_read_as_iso_8601():
    assert duration("PT1H30M", "f").total_seconds() == 5400
    assert duration("P1Y", "f").days == 365 and duration("P2W", "f").days == 14
    with pytest.raises(ValidationError):
        duration("P", "f")


# --- the states ------------------------------------------------------------------------------------
def test_a_draft_is_published_by_update_and_its_activities_then_frozen(journeys):
    draft = journeys.create(APP, JOURNEY)
    active = journeys.update(APP, draft["Id"], with_(State="ACTIVE"))
    assert active["State"] == "ACTIVE" and active["CreationDate"] == draft["CreationDate"]
    renamed = journeys.update(APP, draft["Id"], {"Name": "Welcome, renamed"})
    assert renamed["Name"] == "Welcome, renamed" and renamed["Activities"] == JOURNEY["Activities"]
    changed = with_(Activities={**JOURNEY["Activities"], "extra": {"SMS": {}}})
    with pytest.raises(ConflictError, match="activities can't be added, changed or removed"):
        journeys.update(APP, draft["Id"], changed)
    with pytest.raises(ValidationError, match="can't go back to DRAFT"):
        journeys.update(APP, draft["Id"], with_(State="DRAFT"))


def test_update_journey_state_pauses_resumes_and_cancels_for_good(journeys):
    journey = journeys.create(APP, with_(State="ACTIVE"))
    paused = journeys.update_state(APP, journey["Id"], {"State": "PAUSED"})
    assert paused["State"] == "PAUSED"
    assert journeys.update(APP, journey["Id"], {"Name": "still paused"})["State"] == "PAUSED"
    assert journeys.update_state(APP, journey["Id"], {"State": "ACTIVE"})["State"] == "ACTIVE"
    assert journeys.update_state(APP, journey["Id"], {"State": "CANCELLED"})["State"] == "CANCELLED"
    with pytest.raises(ConflictError, match="CANCELLED: it can't become ACTIVE"):
        journeys.update_state(APP, journey["Id"], {"State": "ACTIVE"})
    with pytest.raises(ConflictError, match="can't be changed"):
        journeys.update(APP, journey["Id"], {"Name": "again"})


def test_the_system_closes_and_completes_a_journey_and_a_closed_one_can_still_be_cancelled(journeys):
    journey = journeys.create(APP, with_(State="ACTIVE"))
    journeys.settle(journey, "CLOSED")
    assert journeys.get(APP, journey["Id"])["State"] == "CLOSED"
    with pytest.raises(ConflictError, match="can't be changed"):
        journeys.update(APP, journey["Id"], {"Name": "closed"})
    journeys.settle(journey, "COMPLETED")
    assert journeys.get(APP, journey["Id"])["State"] == "COMPLETED"
    other = journeys.create(APP, with_(State="ACTIVE"))
    journeys.settle(other, "CLOSED")
    assert journeys.update_state(APP, other["Id"], {"State": "CANCELLED"})["State"] == "CANCELLED"
    journeys.settle(other, "COMPLETED")  # cancelled meanwhile: left as it is
    assert journeys.get(APP, other["Id"])["State"] == "CANCELLED"


@pytest.mark.parametrize("state", ["COMPLETED", "CLOSED", "DRAFT", None])
def test_update_journey_state_takes_only_active_paused_and_cancelled(journeys, state):
    journey = journeys.create(APP, JOURNEY)
    with pytest.raises(ValidationError, match="ACTIVE, PAUSED or CANCELLED"):
        journeys.update_state(APP, journey["Id"], {"State": state})


def test_pausing_needs_a_segment_refresh_interval_as_pinpoint_documented(journeys):
    journey = journeys.create(APP, with_(State="ACTIVE", RefreshFrequency=None))
    with pytest.raises(ValidationError, match="RefreshFrequency"):
        journeys.update_state(APP, journey["Id"], {"State": "PAUSED"})


def test_publishing_a_draft_through_the_state_checks_it_as_a_publication(journeys):
    draft = journeys.create(APP, with_(StartCondition=None))
    with pytest.raises(ValidationError, match="StartCondition"):
        journeys.update_state(APP, draft["Id"], {"State": "ACTIVE"})


def test_an_unknown_journey_and_a_deleted_one_are_not_found(journeys):
    with pytest.raises(NotFoundError):
        journeys.get(APP, "nope")
    journey = journeys.create(APP, JOURNEY)
    assert journeys.delete(APP, journey["Id"]) == journey
    with pytest.raises(NotFoundError):
        journeys.update_state(APP, journey["Id"], {"State": "CANCELLED"})


def test_a_journey_is_published_only_with_templates_and_segments_that_exist():
    templates = {("EMAIL", "welcome"), ("SMS", "reminder")}
    segments = {"seg-1"}

    def template(kind: str, name: str, version: str | None) -> None:
        if (kind, name) not in templates:
            raise NotFoundError(f"{kind} template {name!r} does not exist")

    def segment(app_id: str, segment_id: str) -> None:
        if segment_id not in segments:
            raise NotFoundError(f"segment {segment_id!r} does not exist in application {app_id!r}")

    journeys = Journeys(MemoryJourneys(), template, segment)
    draft = journeys.create(APP, with_(StartCondition={"SegmentStartCondition": {"SegmentId": "seg-9"}}))
    with pytest.raises(ValidationError) as missing:  # a draft may name them before they exist
        journeys.update_state(APP, draft["Id"], {"State": "ACTIVE"})
    assert missing.value.field == "StartCondition.SegmentStartCondition.SegmentId"
    templates.discard(("SMS", "reminder"))
    with pytest.raises(ValidationError) as missing:
        journeys.create(APP, with_(State="ACTIVE"))
    assert missing.value.field == "Activities.reminder.SMS.TemplateName"
    templates.add(("SMS", "reminder"))
    assert journeys.create(APP, with_(State="ACTIVE"))["State"] == "ACTIVE"


def test_a_journey_as_sdk_clients_write_it_is_taken_unchanged(journeys):
    """The shape public Go SDK clients send (CreationDate and LastModifiedDate set by the caller, a
    Description on each activity, an email activity with a template only, a WaitUntil in UTC,
    published at once with an hourly refresh): accepted as Pinpoint accepted it; the dates are the
    service's own, as Pinpoint answered them."""
    wait = {"WaitTime": {"WaitUntil": "2027-01-02T09:00:00Z"}, "NextActivity": "again"}
    activities = {
        "welcome": {"Description": "first", "EMAIL": {"TemplateName": "welcome", "NextActivity": "until"}},
        "until": {"Description": "wait", "Wait": wait},
        "again": {"Description": "last", "EMAIL": {"TemplateName": "again"}},
    }
    request = {
        "Activities": activities,
        "CreationDate": "2020-05-26T10:00:00Z",
        "LastModifiedDate": "2020-05-26T10:00:00Z",
        "Name": "stay",
        "RefreshFrequency": "PT1H",
        "StartActivity": "welcome",
        "StartCondition": {"SegmentStartCondition": {"SegmentId": "s1"}},
        "State": "ACTIVE",
        "Schedule": {
            "StartTime": "2027-01-01T00:00:00Z",
            "EndTime": "2027-02-01T00:00:00Z",
            "Timezone": "UTC",
        },
    }
    created = journeys.create(APP, request)
    assert created["State"] == "ACTIVE" and created["Activities"] == request["Activities"]
    assert created["CreationDate"] != "2020-05-26T10:00:00Z"
