"""The custom resources' handlers (functions/copying/project_copy, functions/api/app_resource,
functions/assets/signing_key) fed CloudFormation's requests from their sample events
(events/copying/project_copy/,
events/api/app_resource/, events/assets/signing_key/), with the use cases put in at the wiring's accessor on
in-memory projects, applications and secret, and CloudFormation's answer kept: every path answers,
failures with their reason. And the copying wiring's settings."""

from __future__ import annotations

from typing import Any

import pytest
from engage.adapters.cloudfront.signing import new_private_key_pem, public_key_pem
from engage.applications import wiring as applications_wiring
from engage.applications.resource import ApplicationResource
from engage.assets import wiring as assets_wiring
from engage.assets.signing_key import SigningKeyResource
from engage.copying import wiring as copying_wiring
from engage.copying.resource import Apis, ProjectCopyResource, owner_of
from engage.copying.wiring import CopySettings
from engage.errors import NotFoundError

from tests.support.projects import MemoryProject
from tests.support.thin_handlers import CloudFormation, Context, handler, sample

API = "https://abc123.execute-api.us-east-1.amazonaws.com/prod"
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/engage-copy/1"


# --- project copy --------------------------------------------------------------------------------
@pytest.fixture
def copying(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The shop's project (a segment, a template and a campaign sending it) and the projects opened."""
    shop = MemoryProject("us-east-1", "shop", API)
    shop.template_items["welcome:SMS"] = {
        "TemplateName": "welcome",
        "TemplateType": "SMS",
        "Body": "Hi",
        "tags": {},
    }
    gold = shop.create_segment({"Name": "gold", "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}}})
    campaign = shop.create_campaign(
        {
            "Name": "welcome",
            "SegmentId": gold["Id"],
            "Schedule": {"StartTime": "IMMEDIATE"},
            "TemplateConfiguration": {"SMSTemplate": {"Name": "welcome"}},
        }
    )
    shop.writes.clear()
    parts: dict[str, Any] = {"projects": {"shop": shop}, "sides": [], "cloudformation": CloudFormation()}

    def opened(source: dict[str, str], target: dict[str, str]) -> tuple[MemoryProject, MemoryProject]:
        parts["sides"].append((source, target))
        return tuple(  # type: ignore[return-value]
            parts["projects"].setdefault(
                side["ApplicationId"], MemoryProject(side["Region"], side["ApplicationId"], side["ApiUrl"])
            )
            for side in (source, target)
        )

    resource = ProjectCopyResource(Apis(API, "us-east-1"), opened, parts["cloudformation"])
    monkeypatch.setattr(copying_wiring, "project_copy", lambda: resource)
    parts["values"] = {
        "RESPONSE_URL": "https://cloudformation-custom-resource-response.example/answer",
        "STACK_ID": STACK,
        "API_URL": API,
        "SOURCE_APP": "shop",
        "TARGET_APP": "outlet",
        "CAMPAIGN_ID": campaign["Id"],
        "SEGMENT_ID": gold["Id"],
    }
    return parts


def copy_request(copying: dict[str, Any], name: str, **changes: Any) -> dict[str, Any]:
    event = sample(f"copying/project_copy/{name}", **copying["values"])
    event["ResourceProperties"] = {**event["ResourceProperties"], **changes}
    return event


def test_the_dry_run_sample_answers_the_plan_and_writes_nothing(copying):
    event = copy_request(copying, "create-dry-run.json")

    handler("project_copy")(event, Context())

    answer = copying["cloudformation"].answer
    owner = owner_of(event)
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == f"copy/{owner}/us-east-1/shop->eu-west-1/outlet"
    assert answer["Reason"] == (
        "dry run: unchanged template welcome (templates are shared within a stack); "
        "create segment gold; create campaign welcome"
    )
    assert answer["Data"] == {"Unchanged": 1, "Create": 2, "CampaignIds": "", "SegmentIds": ""}
    assert copying["projects"]["outlet"].writes == []
    source, target = copying["sides"][0]
    assert source == {"ApplicationId": "shop", "ApiUrl": API, "Region": "us-east-1"}
    assert target == {"ApplicationId": "outlet", "ApiUrl": API, "Region": "eu-west-1"}


def test_the_update_sample_prunes_the_campaign_and_the_delete_sample_removes_the_copies(copying):
    created = copy_request(copying, "create-dry-run.json", DryRun="false")
    created["LogicalResourceId"] = "CampaignCopy"  # the resource the update and delete samples name
    handler("project_copy")(created, Context())
    physical = copying["cloudformation"].answer["PhysicalResourceId"]
    outlet = copying["projects"]["outlet"]
    assert [c["Name"] for c in outlet.campaign_items.values()] == ["welcome"]
    copying["values"]["PHYSICAL_ID"] = physical

    copying["cloudformation"].answers.clear()
    handler("project_copy")(copy_request(copying, "update.json"), Context())
    updated = copying["cloudformation"].answer
    (segment_copy,) = outlet.segment_items
    assert (updated["Status"], updated["PhysicalResourceId"]) == ("SUCCESS", physical)
    assert updated["Data"] == {"Unchanged": 1, "Deleted": 1, "CampaignIds": "", "SegmentIds": segment_copy}
    assert outlet.campaign_items == {}, "the update prunes what it no longer names"

    copying["cloudformation"].answers.clear()
    handler("project_copy")(copy_request(copying, "delete.json"), Context())
    deleted = copying["cloudformation"].answer

    assert (deleted["Status"], deleted["Data"]) == (
        "SUCCESS",
        {"Deleted": 1, "CampaignIds": "", "SegmentIds": ""},
    )
    assert outlet.campaign_items == {} and outlet.segment_items == {}


def test_an_api_that_is_not_this_stacks_fails_the_request_with_the_reason(copying):
    event = copy_request(
        copying, "create-dry-run.json", Target={"ApplicationId": "outlet", "ApiUrl": "https://x.example"}
    )

    handler("project_copy")(event, Context())

    answer = copying["cloudformation"].answer
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("FAILED", "project-copy-not-created")
    assert answer["Reason"] == (
        "ValidationError: Target.ApiUrl: https://x.example"
        " is not this stack's API or one of ProjectCopyApiArns"
    )


def test_a_copy_out_of_time_fails_naming_what_it_left_undone(copying):
    handler("project_copy")(copy_request(copying, "create-dry-run.json", DryRun="false"), Context(30_000))

    answer = copying["cloudformation"].answer
    assert answer["Status"] == "FAILED" and answer["Data"]["Skip"] == 3
    assert answer["Reason"].startswith("template welcome (welcome:SMS): out of time before this step")
    assert copying["projects"]["outlet"].writes == []


def test_deleting_a_copy_whose_create_failed_removes_nothing(copying):
    copying["values"]["PHYSICAL_ID"] = "project-copy-not-created"

    handler("project_copy")(copy_request(copying, "delete.json"), Context())

    answer = copying["cloudformation"].answer
    assert answer["Status"] == "SUCCESS" and answer["Data"] == {"CampaignIds": "", "SegmentIds": ""}


def test_the_copy_settings_read_the_apis_a_copy_may_reach():
    environ = {
        "PINPOINT_API_URL": API,
        "OTHER_API_ARNS": "arn:aws:execute-api:eu-west-1:123456789012:def456/*",
        "ALLOW_LOCAL_APIS": "true",
        "AWS_REGION": "us-east-1",
    }
    assert CopySettings.from_env({}) == CopySettings("", "", False, "")
    settings = CopySettings.from_env(environ)
    assert settings == CopySettings(API, environ["OTHER_API_ARNS"], True, "us-east-1")
    apis = Apis(settings.pinpoint_api_url, settings.region, settings.other_api_arns)
    assert apis.allowed_hosts() == {
        "abc123.execute-api.us-east-1.amazonaws.com",
        "def456.execute-api.eu-west-1.amazonaws.com",
    }


# --- Custom::PinpointApp -----------------------------------------------------------------------------
class Applications:
    def __init__(self) -> None:
        self.apps: dict[str, dict[str, Any]] = {}

    def _shaped(self, app_id: str, request: dict[str, Any]) -> dict[str, Any]:
        arn = f"arn:aws:mobiletargeting:us-east-1:123456789012:apps/{app_id}"
        self.apps[app_id] = {"Id": app_id, "Arn": arn, "Name": request["Name"], "tags": request["tags"]}
        return dict(self.apps[app_id])

    def create(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._shaped(f"{len(self.apps) + 1:032x}", request)

    def rename(self, app_id: str, request: dict[str, Any]) -> dict[str, Any]:
        if app_id not in self.apps:
            raise NotFoundError(f"Application not found: {app_id}")
        return self._shaped(app_id, request)

    def delete(self, app_id: str) -> dict[str, Any]:
        if app_id not in self.apps:
            raise NotFoundError(f"Application not found: {app_id}")
        return self.apps.pop(app_id)


@pytest.fixture
def applications(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    parts: dict[str, Any] = {"applications": Applications(), "cloudformation": CloudFormation()}
    resource = ApplicationResource(lambda: parts["applications"], parts["cloudformation"])
    monkeypatch.setattr(applications_wiring, "application_resource", lambda: resource)
    return parts


def test_the_app_samples_create_rename_and_delete_an_application(applications):
    answers = applications["cloudformation"].answers
    handler("app_resource")(sample("api/app_resource/create.json"), Context())
    app_id = answers[0]["PhysicalResourceId"]
    handler("app_resource")(sample("api/app_resource/update.json", APP_ID=app_id), Context())
    handler("app_resource")(sample("api/app_resource/delete.json", APP_ID=app_id), Context())
    handler("app_resource")(
        sample("api/app_resource/delete.json", APP_ID=app_id), Context()
    )  # CloudFormation repeats

    assert [(a["Status"], a["PhysicalResourceId"]) for a in answers] == [("SUCCESS", app_id)] * 4
    assert answers[0]["Data"] == {
        "Arn": f"arn:aws:mobiletargeting:us-east-1:123456789012:apps/{app_id}",
        "Id": app_id,
        "Name": "ExampleCorp",
    }
    assert answers[1]["Data"]["Name"] == "ExampleCorp EU" and answers[2]["Data"] == {}
    assert applications["applications"].apps == {}


def test_an_app_request_that_fails_is_answered_with_its_reason(applications):
    handler("app_resource")(sample("api/app_resource/update.json", APP_ID="f" * 32), Context())

    answer = applications["cloudformation"].answer
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("FAILED", "f" * 32)
    assert answer["Reason"] == f"Application not found: {'f' * 32}"


def test_an_app_service_that_cannot_be_built_still_answers(monkeypatch):
    cloudformation = CloudFormation()

    def unreachable() -> Applications:
        raise KeyError("APPLICATIONS_TABLE")

    resource = ApplicationResource(unreachable, cloudformation)
    monkeypatch.setattr(applications_wiring, "application_resource", lambda: resource)

    handler("app_resource")(sample("api/app_resource/create.json"), Context())

    answer = cloudformation.answer
    assert (answer["Status"], answer["Reason"]) == ("FAILED", "KeyError: 'APPLICATIONS_TABLE'")


# --- Custom::CloudFrontKeyPair -------------------------------------------------------------------
class Secret:
    """SigningKeys over one secret's value, in memory (RSA for real: the public key must match)."""

    def __init__(self, private_pem: str | None = None) -> None:
        self.values: dict[str, str | None] = {"SECRET_ARN": private_pem}

    def stored(self, secret_arn: str) -> str | None:
        if secret_arn not in self.values:
            raise LookupError(f"ResourceNotFoundException: {secret_arn}")
        return self.values[secret_arn]

    def store(self, secret_arn: str, private_pem: str) -> None:
        self.values[secret_arn] = private_pem

    def new_private_key(self) -> str:
        return new_private_key_pem()

    def public_key(self, private_pem: str) -> str:
        return public_key_pem(private_pem)


@pytest.fixture
def signing(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    parts: dict[str, Any] = {"secret": Secret(), "cloudformation": CloudFormation()}
    resource = SigningKeyResource(lambda: parts["secret"], parts["cloudformation"])
    monkeypatch.setattr(assets_wiring, "signing_key", lambda: resource)
    return parts


def test_the_signing_key_sample_makes_the_key_once_and_answers_its_public_half(signing):
    event = sample("assets/signing_key/create.json")
    handler("signing_key")(event, Context())
    made = signing["secret"].values["SECRET_ARN"]
    handler("signing_key")(event, Context())

    first, second = signing["cloudformation"].answers
    assert first["Status"] == second["Status"] == "SUCCESS"
    assert first["PhysicalResourceId"] == "SECRET_ARN#signing-key"
    assert first["Data"] == second["Data"] == {"PublicKeyPem": public_key_pem(made)}
    assert signing["secret"].values["SECRET_ARN"] == made, "the key is made once"


def test_a_signing_key_whose_secret_is_missing_fails_and_a_delete_succeeds(signing):
    event = sample("assets/signing_key/create.json", SECRET_ARN="no-such-secret")
    handler("signing_key")(event, Context())
    handler("signing_key")({**event, "RequestType": "Delete"}, Context())

    failed, deleted = signing["cloudformation"].answers
    assert (failed["Status"], failed["Reason"]) == (
        "FAILED",
        "LookupError: ResourceNotFoundException: no-such-secret",
    )
    assert (deleted["Status"], deleted["PhysicalResourceId"]) == ("SUCCESS", "no-such-secret#signing-key")
