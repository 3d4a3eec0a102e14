"""Applications and their settings (engage.applications): Pinpoint's shapes and rules, the defaults
campaigns inherit, the existence check, deletion and the resumable removal of a deleted
application's data."""

from __future__ import annotations

import re

import pytest
from engage.applications import (
    KEEP_ID_TAG,
    MAX_APPLICATIONS,
    Applications,
    KnownApplications,
    new_application,
    updated_settings,
    with_settings,
)
from engage.applications.model import daily_cap, settings_resource
from engage.applications.removal import ObjectSweep, TableSweep, remove_application_data
from engage.errors import ConflictError, LimitExceededError, NotFoundError, ValidationError

from tests.support.fakes import MemoryApplications

ARN = "arn:aws:mobiletargeting:us-east-1:123456789012:apps/"
KEPT = "810c7aab86d42fb2b56c8c966e0a1b2c"


def applications(**kwargs) -> Applications:
    return Applications(MemoryApplications(), ARN, **kwargs)


def test_an_application_has_pinpoints_shape_and_a_project_id():
    created = new_application(
        {"Name": "ExampleCorp", "tags": {"Stack": "Test"}}, ARN, "2026-12-01T00:00:00.000Z", lambda: "a" * 32
    )
    assert created == {
        "Arn": f"{ARN}{'a' * 32}",
        "Id": "a" * 32,
        "Name": "ExampleCorp",
        "tags": {"Stack": "Test"},
        "CreationDate": "2026-12-01T00:00:00.000Z",
    }
    plain = new_application({"Name": "x"}, ARN, "t", lambda: "b" * 32)
    assert plain["tags"] == {}, "Pinpoint answered {} for an application without tags"


def test_a_migrating_customer_keeps_a_projects_id_and_the_tag_is_not_kept():
    created = new_application(
        {"Name": "shop", "tags": {KEEP_ID_TAG: KEPT, "team": "crm"}}, ARN, "t", lambda: "x"
    )
    assert created["Id"] == KEPT and created["tags"] == {"team": "crm"}
    with pytest.raises(ValidationError, match="32 lowercase hexadecimal"):
        new_application({"Name": "shop", "tags": {KEEP_ID_TAG: "my-app"}}, ARN, "t", lambda: "x")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({}, "Name"),
        ({"Name": ""}, "Name"),
        ({"Name": "x" * 65}, "Name"),
        ({"Name": "a\nb"}, "Name"),
        ({"Name": "ok", "tags": {"aws:owner": "me"}}, "tags.aws:owner"),
        ({"Name": "ok", "tags": {"k": "v" * 257}}, "tags.k"),
        ({"Name": "ok", "tags": {f"k{n}": "v" for n in range(51)}}, "tags"),
        ({"Name": "ok", "tags": ["k"]}, "tags"),
    ],
)
def test_a_bad_create_request_names_what_is_wrong(request_, field):
    with pytest.raises(ValidationError) as refused:
        new_application(request_, ARN, "t", lambda: "a" * 32)
    assert refused.value.field == field


def test_settings_are_updated_member_by_member_and_checked_as_pinpoint_checked_them():
    first = updated_settings(
        {},
        {
            "Limits": {"Daily": 3, "MessagesPerSecond": 50},
            "QuietTime": {"Start": "22:00", "End": "07:00"},
            "CampaignHook": {"LambdaFunctionName": "engage-hook-audit", "Mode": "FILTER"},
            "JourneyLimits": {"DailyCap": 2, "TimeframeCap": {"Cap": 5, "Days": 7}},
            "CloudWatchMetricsEnabled": True,
        },
        "t1",
    )
    second = updated_settings(first, {"QuietTime": {"Start": "21:00", "End": "08:00"}}, "t2")
    assert second["Limits"] == {"Daily": 3, "MessagesPerSecond": 50}
    assert second["QuietTime"] == {"Start": "21:00", "End": "08:00"} and second["LastModifiedDate"] == "t2"
    resource = settings_resource("app", second)
    assert resource["ApplicationId"] == "app" and "CloudWatchMetricsEnabled" not in resource
    assert resource["JourneyLimits"] == {"DailyCap": 2, "TimeframeCap": {"Cap": 5, "Days": 7}}
    cleared = updated_settings(second, {"QuietTime": {}, "CampaignHook": {}}, "t3")
    assert "QuietTime" not in settings_resource("app", cleared), "an empty member removes the setting"


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"Limits": {"MessagesPerSecond": 0}}, "Limits.MessagesPerSecond"),
        ({"Limits": {"Daily": 101}}, "Limits.Daily"),
        ({"Limits": {"MaximumDuration": 59}}, "Limits.MaximumDuration"),
        ({"QuietTime": {"Start": "25:00", "End": "07:00"}}, "QuietTime"),
        ({"CampaignHook": {"WebUrl": "https://hooks.example.com"}}, "CampaignHook.WebUrl"),
        ({"CampaignHook": {"Mode": "FILTER"}}, "CampaignHook.LambdaFunctionName"),
        ({"JourneyLimits": {"DailyCap": 101}}, "JourneyLimits.DailyCap"),
        ({"JourneyLimits": {"TimeframeCap": {"Days": 31}}}, "JourneyLimits.TimeframeCap.Days"),
        ({"EventTaggingEnabled": "yes"}, "EventTaggingEnabled"),
        ({"Colour": "blue"}, "Colour"),
    ],
)
def test_a_bad_setting_is_refused_with_its_field(request_, field):
    with pytest.raises(ValidationError) as refused:
        updated_settings({}, request_, "t")
    assert refused.value.field == field


def test_a_campaign_inherits_the_applications_defaults_unless_it_sets_its_own():
    settings = {
        "Limits": {"MessagesPerSecond": 5, "Total": 2, "MaximumDuration": 600, "Daily": 1},
        "QuietTime": {"Start": "22:00", "End": "07:00"},
        "CampaignHook": {"LambdaFunctionName": "engage-hook-app", "Mode": "FILTER"},
    }
    plain = {
        "Id": "c",
        "Schedule": {"StartTime": "IMMEDIATE"},
        "AdditionalTreatments": [{"Id": "1", "SizePercent": 10}],
    }
    effective = with_settings(plain, settings)
    assert effective["Limits"] == {"MessagesPerSecond": 5, "Total": 2, "MaximumDuration": 600}
    assert "Daily" not in effective["Limits"], "the application's Daily caps across campaigns instead"
    assert effective["Schedule"]["QuietTime"] == {"Start": "22:00", "End": "07:00"}
    assert effective["Hook"] == {"LambdaFunctionName": "engage-hook-app", "Mode": "FILTER"}
    own = {
        "Id": "c",
        "Limits": {"MessagesPerSecond": 50},
        "Hook": {"LambdaFunctionName": "engage-hook-mine", "Mode": "FILTER"},
        "Schedule": {"StartTime": "IMMEDIATE", "QuietTime": {"Start": "20:00", "End": "09:00"}},
        "AdditionalTreatments": [
            {"Id": "1", "SizePercent": 10, "Schedule": {"StartTime": "IMMEDIATE"}},
        ],
    }
    mine = with_settings(own, settings)
    assert mine["Limits"]["MessagesPerSecond"] == 50 and mine["Limits"]["Total"] == 2
    assert mine["Hook"]["LambdaFunctionName"] == "engage-hook-mine"
    assert mine["Schedule"]["QuietTime"] == {"Start": "20:00", "End": "09:00"}
    assert mine["AdditionalTreatments"][0]["Schedule"]["QuietTime"] == {"Start": "22:00", "End": "07:00"}
    assert daily_cap(settings) == 1 and daily_cap({"Limits": {"Daily": 0}}) is None


def test_the_deprecated_delivery_hook_of_an_application_is_its_campaigns_custom_channel():
    settings = {"CampaignHook": {"LambdaFunctionName": "engage-channel", "Mode": "DELIVERY"}}
    assert with_settings({"Id": "c"}, settings)["CustomDeliveryConfiguration"] == {
        "DeliveryUri": "engage-channel",
        "EndpointTypes": [],
    }
    assert updated_settings({}, settings, "t")["CampaignHook"]["Mode"] == "DELIVERY"


def test_unknown_malformed_and_deleted_applications_are_not_found():
    removals, stopped = [], []
    apps = applications(
        removal=type("R", (), {"start": lambda _self, e: removals.append(e)})(), before_delete=stopped.append
    )
    created = apps.create({"Name": "shop"})
    assert re.fullmatch(r"[0-9a-f]{32}", created["Id"]) and apps.get(created["Id"]) == created
    for unknown in ("0" * 32, "shop", "", "../x"):
        with pytest.raises(NotFoundError):
            apps.require(unknown)
    assert apps.delete(created["Id"]) == created
    assert removals == [{"ApplicationId": created["Id"]}] and stopped == [created["Id"]]
    with pytest.raises(NotFoundError):
        apps.get(created["Id"])
    with pytest.raises(NotFoundError):
        apps.delete(created["Id"])
    assert apps.list() == []


def test_an_account_holds_at_most_a_hundred_applications_and_an_id_once():
    apps = applications()
    for n in range(MAX_APPLICATIONS):
        apps.create({"Name": f"app {n}"})
    with pytest.raises(LimitExceededError):
        apps.create({"Name": "one too many"})
    other = applications()
    other.create({"Name": "kept", "tags": {KEEP_ID_TAG: KEPT}})
    with pytest.raises(ConflictError, match="already exists"):
        other.create({"Name": "again", "tags": {KEEP_ID_TAG: KEPT}})


def test_a_function_without_the_account_id_cannot_create():
    with pytest.raises(ValidationError, match="AWS_ACCOUNT_ID"):
        Applications(MemoryApplications(), "").create({"Name": "x"})


def test_a_rename_keeps_the_id_and_the_creation_date():
    apps = applications()
    created = apps.create({"Name": "shop"})
    renamed = apps.rename(created["Id"], {"Name": "shop eu", "tags": {"region": "eu"}})
    assert (renamed["Id"], renamed["CreationDate"], renamed["Name"]) == (
        created["Id"],
        created["CreationDate"],
        "shop eu",
    )
    with pytest.raises(ValidationError):
        apps.rename(created["Id"], {"Name": "x", "tags": {KEEP_ID_TAG: KEPT}})


def test_known_applications_remember_a_live_one_and_ask_again_for_an_unknown_one():
    store = MemoryApplications()
    apps = Applications(store, ARN)
    known = KnownApplications(apps, ttl_seconds=60)
    with pytest.raises(NotFoundError):
        known.require(KEPT)
    apps.create({"Name": "late", "tags": {KEEP_ID_TAG: KEPT}})
    known.require(KEPT)  # created meanwhile: found at once
    store.records.clear()
    known.require(KEPT)  # remembered for a minute


class _Tables:
    def __init__(self, pages):
        self.pages = pages  # name -> list of page sizes still to remove
        self.calls = []

    def sweep(self, sweep, cursor, time_left):
        pages = self.pages[sweep.name]
        removed = 0
        while pages:
            removed += pages.pop(0)
            self.calls.append((sweep.name, cursor))
            if pages and not time_left():
                return removed, f"after-{removed}"
        return removed, None


class _Objects:
    def sweep(self, sweep, time_left):
        return 3, True


def test_the_removal_carries_on_where_it_stopped_and_never_touches_a_live_application():
    store = MemoryApplications()
    apps = Applications(store, ARN)
    app_id = apps.create({"Name": "gone"})["Id"]
    plan = [
        TableSweep("contacts", "Contacts", app_id, prefixes=(f"EP#{app_id}#",)),
        TableSweep("segments", "Segments", app_id, prefixes=(f"SEG#{app_id}#",)),
        ObjectSweep("archive", "archive-bucket", f"archive/{app_id}/"),
    ]
    tables = _Tables({"contacts": [10, 10, 5], "segments": [2]})
    with pytest.raises(NotFoundError, match="was not deleted"):
        remove_application_data(app_id, plan, tables, _Objects(), store, lambda: True)
    apps.delete(app_id)
    budget = iter([True, False])  # time for one page, then none
    first = remove_application_data(app_id, plan, tables, _Objects(), store, lambda: next(budget, False))
    assert first["Status"] == "IN_PROGRESS" and first["Removed"] == {"contacts": 10}
    assert first["Cursors"] == {"contacts": "after-10"}
    done = remove_application_data(app_id, plan, tables, _Objects(), store, lambda: True)
    assert done["Status"] == "COMPLETED" and done["Completed"]
    assert done["Removed"] == {"contacts": 25, "segments": 2, "archive": 3}
    assert ("contacts", "after-10") in tables.calls, "the second run started from the saved cursor"
    again = remove_application_data(app_id, plan, tables, _Objects(), store, lambda: True)
    assert again == done, "a repeated message removes nothing twice"
    assert any("erasure markers" in kept for kept in done["Kept"])
