"""Applications on the local stack, driven as Pinpoint's own client code drove them: a real boto3
pinpoint client creates, reads, lists, configures and deletes them; every application-scoped
operation refuses an application that does not exist; a deleted application's data is removed;
templates declare one with Custom::PinpointApp; `engage apps` does the same from a shell."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from engage.campaigns.schedule import schedule_name

from engage_local.api import wait_until
from engage_local.provisioners import cfn_answers
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import invoke
from tests.support.apps import create_app
from tests.support.cli import engage

pytestmark = pytest.mark.e2e
PINPOINT_APP = Path(__file__).parents[1] / "apps" / "pinpoint-app" / "template.yaml"


def test_public_sample_code_creates_reads_lists_configures_and_deletes_an_application(pinpoint):
    # As AWS's SDK examples and the CLI's documented examples spell each call.
    created = pinpoint.create_app(CreateApplicationRequest={"Name": "ExampleCorp", "tags": {"Stack": "Test"}})
    application = created["ApplicationResponse"]
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    app_id = application["Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", app_id)
    assert application["Arn"] == f"arn:aws:mobiletargeting:us-east-1:123456789012:apps/{app_id}"
    assert (application["Name"], application["tags"]) == ("ExampleCorp", {"Stack": "Test"})
    assert application["CreationDate"].endswith("Z")
    assert pinpoint.get_app(ApplicationId=app_id)["ApplicationResponse"] == application

    others = [create_app(pinpoint, f"page-{n}") for n in range(3)]
    seen, token, pages = [], None, 0
    while True:
        page = pinpoint.get_apps(PageSize="2", **({"Token": token} if token else {}))["ApplicationsResponse"]
        assert len(page["Item"]) <= 2
        seen += [a["Id"] for a in page["Item"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert {app_id, *others} <= set(seen) and pages >= 2 and len(seen) == len(set(seen))

    settings = pinpoint.update_application_settings(
        ApplicationId=app_id,
        WriteApplicationSettingsRequest={
            "CampaignHook": {"LambdaFunctionName": "engage-hook-audit", "Mode": "FILTER"},
            "CloudWatchMetricsEnabled": False,
            "Limits": {"Daily": 3, "MessagesPerSecond": 50, "MaximumDuration": 600, "Total": 10},
            "QuietTime": {"Start": "22:00", "End": "07:00"},
        },
    )["ApplicationSettingsResource"]
    assert settings["ApplicationId"] == app_id
    assert settings["Limits"] == {"Daily": 3, "MessagesPerSecond": 50, "MaximumDuration": 600, "Total": 10}
    assert settings["QuietTime"] == {"Start": "22:00", "End": "07:00"} and settings["LastModifiedDate"]
    partial = pinpoint.update_application_settings(
        ApplicationId=app_id,
        WriteApplicationSettingsRequest={"QuietTime": {"Start": "21:00", "End": "08:00"}},
    )["ApplicationSettingsResource"]
    assert partial["Limits"] == settings["Limits"], "what a request leaves out is kept"
    read = pinpoint.get_application_settings(ApplicationId=app_id)["ApplicationSettingsResource"]
    assert read == partial and read["CampaignHook"]["LambdaFunctionName"] == "engage-hook-audit"
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="MessagesPerSecond"):
        pinpoint.update_application_settings(
            ApplicationId=app_id, WriteApplicationSettingsRequest={"Limits": {"MessagesPerSecond": 0}}
        )

    deleted = pinpoint.delete_app(ApplicationId=app_id)["ApplicationResponse"]
    assert deleted == application
    for call in (pinpoint.get_app, pinpoint.delete_app, pinpoint.get_application_settings):
        with pytest.raises(pinpoint.exceptions.NotFoundException):
            call(ApplicationId=app_id)
    assert app_id not in [a["Id"] for a in pinpoint.get_apps(PageSize="100")["ApplicationsResponse"]["Item"]]


@pytest.mark.parametrize("app_id", [uuid.uuid4().hex, "made-up-app"], ids=["never-created", "malformed"])
def test_an_unknown_application_is_not_found_on_every_application_scoped_operation(pinpoint, app_id):
    email = {"ChannelType": "EMAIL", "Address": "ana@example.com"}
    calls = {
        "UpdateEndpoint": lambda: pinpoint.update_endpoint(
            ApplicationId=app_id, EndpointId="ep-1", EndpointRequest=email
        ),
        "GetEndpoint": lambda: pinpoint.get_endpoint(ApplicationId=app_id, EndpointId="ep-1"),
        "CreateSegment": lambda: pinpoint.create_segment(
            ApplicationId=app_id, WriteSegmentRequest={"Name": "all", "Dimensions": {}}
        ),
        "GetSegments": lambda: pinpoint.get_segments(ApplicationId=app_id),
        "GetCampaigns": lambda: pinpoint.get_campaigns(ApplicationId=app_id),
        "GetCampaign": lambda: pinpoint.get_campaign(ApplicationId=app_id, CampaignId="c-1"),
        "SendMessages": lambda: pinpoint.send_messages(
            ApplicationId=app_id,
            MessageRequest={
                "Addresses": {"ana@example.com": {"ChannelType": "EMAIL"}},
                "MessageConfiguration": {"EmailMessage": {"SimpleEmail": {"Subject": {"Data": "Hi"}}}},
            },
        ),
        "PutEvents": lambda: pinpoint.put_events(
            ApplicationId=app_id, EventsRequest={"BatchItem": {"ep-1": {"Endpoint": {}, "Events": {}}}}
        ),
        "GetApplicationSettings": lambda: pinpoint.get_application_settings(ApplicationId=app_id),
    }
    for name, call in calls.items():
        with pytest.raises(pinpoint.exceptions.NotFoundException) as refused:
            call()
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404, name


def test_a_deleted_applications_data_is_removed_and_its_schedules_stop(local_stack, pinpoint):
    outputs = local_stack.stacks["engage"].outputs
    app_id = create_app(pinpoint, "short-lived")
    for n in range(3):
        pinpoint.update_endpoint(
            ApplicationId=app_id,
            EndpointId=f"ep-{n}",
            EndpointRequest={
                "ChannelType": "EMAIL",
                "Address": f"gone{n}@example.com",
                "User": {"UserId": "u"},
            },
        )
    segment = pinpoint.create_segment(
        ApplicationId=app_id,
        WriteSegmentRequest={
            "Name": "by email",
            "Dimensions": {"Demographic": {"Channel": {"DimensionType": "INCLUSIVE", "Values": ["EMAIL"]}}},
        },
    )["SegmentResponse"]
    campaign = pinpoint.create_campaign(
        ApplicationId=app_id,
        WriteCampaignRequest={
            "Name": "later",
            "SegmentId": segment["Id"],
            "MessageConfiguration": {"EmailMessage": {"FromAddress": "news@example.com", "Title": "Hi"}},
            "Schedule": {"StartTime": "2099-01-01T09:00:00Z", "Frequency": "ONCE"},
        },
    )["CampaignResponse"]
    scheduler = local_stack.client("scheduler")
    group = outputs["CampaignScheduleGroupName"]

    def scheduled():
        name = schedule_name(app_id, campaign["Id"])
        return [s for s in scheduler.list_schedules(GroupName=group)["Schedules"] if s["Name"] == name]

    assert scheduled(), "the campaign is scheduled"
    dynamodb = local_stack.client("dynamodb")

    def items(table, prefix):
        return [
            i
            for i in dynamodb.scan(TableName=outputs[table])["Items"]
            if i["pk"]["S"].startswith(prefix) or i["pk"]["S"] == app_id
        ]

    assert len(items("ContactsTableName", f"EP#{app_id}#")) == 3

    done = engage("apps", "delete", app_id, "--wait", "--json", state_dir=local_stack.state_dir, timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["Removal"]["Status"] == "COMPLETED", answer
    assert answer["Removal"]["Removed"]["contacts"] == 4  # three endpoints and their user
    # The segment and its one kept version; the campaign and its versions.
    assert answer["Removal"]["Removed"]["segments"] == 2 and answer["Removal"]["Removed"]["campaigns"] >= 1
    assert "erasure markers" in " ".join(answer["Removal"]["Kept"])
    assert not scheduled(), "no schedule of a deleted application fires"
    for table, prefix in (
        ("ContactsTableName", f"EP#{app_id}#"),
        ("ContactsTableName", f"USER#{app_id}#"),
        ("SegmentsTableName", f"SEG#{app_id}#"),
        ("CampaignsTableName", app_id),
    ):
        assert items(table, prefix) == [], table
    shown = engage("apps", "show", app_id, state_dir=local_stack.state_dir)
    assert shown.returncode == 0 and "removal of its data: COMPLETED" in shown.stdout, shown.stdout
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_endpoint(ApplicationId=app_id, EndpointId="ep-0")


def test_a_file_dropped_for_an_application_that_does_not_exist_is_refused_with_the_reason(local_stack):
    from tests.support.topics import TopicInbox

    outputs = local_stack.stacks["engage"].outputs
    inbox = TopicInbox(local_stack, outputs["ImportNotificationTopicArn"], f"imports-{uuid.uuid4().hex[:6]}")
    missing = uuid.uuid4().hex
    local_stack.client("s3").put_object(
        Bucket=outputs["ImportBucketName"],
        Key=f"imports/{missing}/list.csv",
        Body=b"Id,ChannelType,Address\n",
    )

    def failures():
        return [b for kind, b in inbox.about(lambda body: body.get("app_id") == missing) if kind == "failure"]

    assert wait_until(failures, 60, 0.2)
    (state,) = failures()
    job = state["finished"]["job"]
    assert (job["ApplicationId"], job["JobStatus"]) == (missing, "FAILED")
    assert job["Failures"] == [f"Application not found: {missing}"]
    keys = local_stack.client("s3").list_objects_v2(
        Bucket=outputs["ImportBucketName"], Prefix=f"imports/{missing}/"
    )
    assert keys["KeyCount"] == 1, "the file stays, to be dropped again once the application exists"


def test_a_template_declares_an_application_as_it_declared_a_pinpoint_app(local_stack, pinpoint):
    outputs = local_stack.stacks["engage"].outputs
    report = local_stack.deploy(PINPOINT_APP, "shop-app", {"ServiceToken": outputs["PinpointAppFunctionArn"]})
    declared = local_stack.stacks["shop-app"].outputs
    application = pinpoint.get_app(ApplicationId=declared["ApplicationId"])["ApplicationResponse"]
    assert (application["Name"], application["tags"], application["Arn"]) == (
        "shop",
        {"team": "growth"},
        declared["ApplicationArn"],
    ), report


def test_the_custom_resource_samples_create_update_and_delete(local_stack, pinpoint):
    """events/api/app_resource/: CloudFormation's Create, Update and Delete of a Custom::PinpointApp."""
    function = "PinpointApi/PinpointAppFunction"
    with cfn_answers() as (response_url, answers):
        values = {
            "RESPONSE_URL": response_url,
            "STACK_ID": "arn:aws:cloudformation:us-east-1:123456789012:stack/shop/1",
        }
        invoke(local_stack, function, _sample("api/app_resource/create.json", **values), "engage")
        app_id = answers[0]["PhysicalResourceId"]
        invoke(
            local_stack, function, _sample("api/app_resource/update.json", APP_ID=app_id, **values), "engage"
        )
        renamed = pinpoint.get_app(ApplicationId=app_id)["ApplicationResponse"]
        invoke(
            local_stack, function, _sample("api/app_resource/delete.json", APP_ID=app_id, **values), "engage"
        )
        invoke(
            local_stack, function, _sample("api/app_resource/delete.json", APP_ID=app_id, **values), "engage"
        )
        refused = _sample("api/app_resource/create.json", **values)
        refused["ResourceProperties"]["Tags"] = {"engage:ApplicationId": "not-an-id"}
        invoke(local_stack, function, refused, "engage")
    assert [a["Status"] for a in answers] == ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "FAILED"], answers
    assert (
        answers[0]["Data"]["Arn"].endswith(f":apps/{app_id}") and answers[1]["PhysicalResourceId"] == app_id
    )
    assert (renamed["Name"], renamed["tags"]) == ("ExampleCorp EU", {"Stack": "Test", "Region": "eu"})
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_app(ApplicationId=app_id)
    assert "32 lowercase hexadecimal digits" in answers[4]["Reason"]


def test_the_api_and_removal_samples(local_stack, pinpoint):
    """events/api/pinpoint_api/create_app.json and events/api/app_removal/: as `sam local invoke` sends
    them."""
    created = invoke(
        local_stack, "PinpointApi/PinpointApiFunction", _sample("api/pinpoint_api/create_app.json"), "engage"
    )
    assert created["payload"]["statusCode"] == 201, created
    app_id = json.loads(created["payload"]["body"])["Id"]

    def removal() -> dict:
        sample = _sample("api/app_removal/removal.json", APP_ID=app_id)
        return invoke(local_stack, "PinpointApi/AppRemovalFunction", sample, "engage")

    live = removal()  # a batch whose only message fails fails whole: the message comes back
    assert live["error"] and "was not deleted" in json.dumps(live["payload"]), "a live app's data stays"
    pinpoint.delete_app(ApplicationId=app_id)
    assert removal()["payload"] == {"batchItemFailures": []}
    record = local_stack.client("dynamodb").get_item(
        TableName=local_stack.stacks["engage"].outputs["ApplicationsTableName"], Key={"pk": {"S": app_id}}
    )["Item"]
    assert record["removal"]["M"]["Status"]["S"] == "COMPLETED"


def test_the_cli_creates_lists_shows_and_keeps_a_pinpoint_projects_id(local_stack):
    kept = uuid.uuid4().hex
    created = engage(
        "apps", "create", "--name", "migrated", "--id", kept, "--tag", "team=crm", "--json",
        state_dir=local_stack.state_dir,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["Id"] == kept
    again = engage("apps", "create", "--name", "twice", "--id", kept, state_dir=local_stack.state_dir)
    assert again.returncode == 1 and "already exists" in again.stderr
    listed = engage("apps", "list", "--json", state_dir=local_stack.state_dir)
    assert kept in [a["Id"] for a in json.loads(listed.stdout)]
    shown = engage("apps", "show", kept, "--json", state_dir=local_stack.state_dir)
    assert json.loads(shown.stdout)["tags"] == {"team": "crm"}
    missing = engage("apps", "show", uuid.uuid4().hex, state_dir=local_stack.state_dir)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
