"""Copying campaigns, segments and templates between applications on the local stack, from the
outside: `engage copy` (dry run, copy, copy again, an update, removal) and a customer's stack whose
Custom::ProjectCopy copies a campaign at deploy time, then CloudFormation's Update and Delete."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from engage_local.provisioners import cfn_answers
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import invoke
from tests.support.cli import engage

pytestmark = pytest.mark.e2e
COPY_APP = Path(__file__).parents[1] / "apps" / "copy" / "template.yaml"
GOLD = {"Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}}


@pytest.fixture
def original(campaigning):
    """A source application: a template, a segment, a segment built on it, a campaign (for next
    year) sending the template to the second segment."""
    c, pinpoint = campaigning, campaigning.pinpoint
    c.people(["p1", "p2"], Attributes={"Plan": ["gold"]})
    template = f"copy-welcome-{uuid.uuid4().hex[:6]}"
    pinpoint.create_sms_template(TemplateName=template, SMSTemplateRequest={"Body": "Welcome, gold member"})
    gold = pinpoint.create_segment(
        ApplicationId=c.app, WriteSegmentRequest={"Name": "gold", "Dimensions": GOLD}
    )["SegmentResponse"]
    texting = pinpoint.create_segment(
        ApplicationId=c.app,
        WriteSegmentRequest={
            "Name": "gold by sms",
            "SegmentGroups": {
                "Include": "ALL",
                "Groups": [
                    {
                        "SourceSegments": [{"Id": gold["Id"]}],
                        "SourceType": "ALL",
                        "Type": "ALL",
                        "Dimensions": [{"Demographic": {"Channel": {"Values": ["SMS"]}}}],
                    }
                ],
            },
        },
    )["SegmentResponse"]
    campaign = c.campaign(
        Name="welcome",
        SegmentId=texting["Id"],
        MessageConfiguration={"SMSMessage": {"MessageType": "PROMOTIONAL"}},
        TemplateConfiguration={"SMSTemplate": {"Name": template}},
        Schedule={"StartTime": "2027-06-01T10:00:00Z", "Frequency": "ONCE"},
    )
    return {"app": c.app, "template": template, "gold": gold, "texting": texting, "campaign": campaign}


def listed(pinpoint, app):
    segments = pinpoint.get_segments(ApplicationId=app)["SegmentsResponse"]["Item"]
    campaigns = pinpoint.get_campaigns(ApplicationId=app)["CampaignsResponse"]["Item"]
    return {s["Name"]: s for s in segments}, {c["Name"]: c for c in campaigns}


def run_copy(local_stack, *args):
    done = engage("copy", "--json", *args, state_dir=local_stack.state_dir, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_cli_plans_copies_updates_and_removes_a_campaign_with_its_segments(
    local_stack, pinpoint, original, new_app
):
    target = new_app("copy-target")
    common = ("--from-app", original["app"], "--to-app", target, "--campaign", original["campaign"]["Id"])
    planned = run_copy(local_stack, *common, "--dry-run")
    assert [(s["Kind"], s["Name"], s["Action"]) for s in planned["Steps"]] == [
        ("template", original["template"], "unchanged"),
        ("segment", "gold", "create"),
        ("segment", "gold by sms", "create"),
        ("campaign", "welcome", "create"),
    ]
    assert listed(pinpoint, target) == ({}, {}), "a dry run writes nothing"

    copied = run_copy(local_stack, *common)
    assert copied["Summary"] == {"unchanged": 1, "created": 3}
    segments, campaigns = listed(pinpoint, target)
    group = segments["gold by sms"]["SegmentGroups"]["Groups"][0]
    assert group["SourceSegments"] == [{"Id": segments["gold"]["Id"]}], "the group is built on the copy"
    welcome = campaigns["welcome"]
    assert welcome["SegmentId"] == segments["gold by sms"]["Id"]
    assert welcome["State"]["CampaignStatus"] == "PAUSED", "a copy never sends by itself"
    assert welcome["TemplateConfiguration"] == {"SMSTemplate": {"Name": original["template"]}}
    assert (
        welcome["tags"]["engage:copied-from"]
        == f"cli@us-east-1/{original['app']}/campaigns/{original['campaign']['Id']}"
    )

    again = run_copy(local_stack, *common)
    assert again["Summary"] == {"unchanged": 4}, "copying again duplicates nothing"
    pinpoint.update_segment(
        ApplicationId=original["app"],
        SegmentId=original["gold"]["Id"],
        WriteSegmentRequest={
            "Name": "gold",
            "Dimensions": {
                "Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold", "platinum"]}}
            },
        },
    )
    updated = run_copy(local_stack, *common)
    assert [
        (s["Name"], s["Action"], s.get("Changes")) for s in updated["Steps"] if s["Action"] != "unchanged"
    ] == [("gold", "updated", ["Dimensions"])]
    segments, _ = listed(pinpoint, target)
    assert segments["gold"]["Version"] == 2
    assert segments["gold"]["Dimensions"]["Attributes"]["Plan"]["Values"] == ["gold", "platinum"]

    removed = run_copy(local_stack, "--from-app", original["app"], "--to-app", target, "--remove")
    assert [(s["Kind"], s["Action"]) for s in removed["Steps"]] == [
        ("campaign", "deleted"),
        ("segment", "deleted"),
        ("segment", "deleted"),
    ]
    assert listed(pinpoint, target) == ({}, {})
    assert listed(pinpoint, original["app"])[1]["welcome"]["Id"] == original["campaign"]["Id"], (
        "the source is untouched"
    )
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="sends to it"):
        pinpoint.delete_segment(ApplicationId=original["app"], SegmentId=original["texting"]["Id"])
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="is built on it"):
        pinpoint.delete_segment(ApplicationId=original["app"], SegmentId=original["gold"]["Id"])


def test_the_cli_refuses_an_unknown_campaign_and_a_copy_onto_itself(local_stack, original):
    unknown = engage(
        "copy", "--json", "--from-app", original["app"], "--to-app", "elsewhere01", "--campaign", "nope",
        state_dir=local_stack.state_dir,
    )  # fmt: skip
    assert unknown.returncode == 1 and f"no campaign nope in us-east-1/{original['app']}" in unknown.stdout
    itself = engage(
        "copy", "--json", "--from-app", original["app"], "--to-app", original["app"], "--all",
        state_dir=local_stack.state_dir,
    )  # fmt: skip
    assert itself.returncode == 1 and "onto itself" in itself.stdout


def test_a_stack_copies_a_campaign_at_deploy_time_and_cloudformation_updates_and_deletes_the_copies(
    local_stack, pinpoint, original, new_app
):
    target, elsewhere_app = new_app("copy-target"), new_app("copy-elsewhere")
    outputs = local_stack.stacks["engage"].outputs
    report = local_stack.deploy(
        COPY_APP,
        f"project-copy-{target}",
        {
            "ServiceToken": outputs["ProjectCopyFunctionArn"],
            "ApiUrl": local_stack.api.url,
            "SourceApplicationId": original["app"],
            "TargetApplicationId": target,
            "CampaignId": original["campaign"]["Id"],
        },
    )
    segments, campaigns = listed(pinpoint, target)
    assert set(segments) == {"gold", "gold by sms"} and set(campaigns) == {"welcome"}
    copy_outputs = local_stack.stacks[f"project-copy-{target}"].outputs
    assert copy_outputs["CopiedCampaignIds"] == campaigns["welcome"]["Id"], report
    stack = f"project-copy-{target}"
    cloudformation = local_stack.client("cloudformation")
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    physical = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId="CampaignCopy")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    assert physical.startswith("copy/") and physical.endswith(
        f"/us-east-1/{original['app']}->eu-west-1/{target}"
    )
    owner = physical.split("/")[1]  # the resource's own: no other copier's copies are touched
    assert campaigns["welcome"]["tags"]["engage:copied-from"].startswith(
        f"{owner}@us-east-1/{original['app']}/"
    )
    values = {
        "STACK_ID": described["StackId"],
        "API_URL": local_stack.api.url,
        "SOURCE_APP": original["app"],
        "TARGET_APP": target,
        "CAMPAIGN_ID": original["campaign"]["Id"],
        "SEGMENT_ID": original["gold"]["Id"],
        "PHYSICAL_ID": physical,
    }
    function = "Copying/ProjectCopyFunction"
    with cfn_answers() as (response_url, answers):
        plan_only = _sample("copying/project_copy/create-dry-run.json", RESPONSE_URL=response_url, **values)
        elsewhere = {"ApplicationId": elsewhere_app, "ApiUrl": local_stack.api.url}
        plan_only["ResourceProperties"] = {**plan_only["ResourceProperties"], "Target": elsewhere}
        invoke(local_stack, function, plan_only, "engage")
        invoke(
            local_stack,
            function,
            _sample("copying/project_copy/update.json", RESPONSE_URL=response_url, **values),
            "engage",
        )
        broken = _sample("copying/project_copy/update.json", RESPONSE_URL=response_url, **values)
        broken["ResourceProperties"] = {**broken["ResourceProperties"], "Segments": ["no-such-segment"]}
        invoke(local_stack, function, broken, "engage")
        after_update = listed(pinpoint, target)
        invoke(
            local_stack,
            function,
            _sample("copying/project_copy/delete.json", RESPONSE_URL=response_url, **values),
            "engage",
        )
    assert [a["Status"] for a in answers] == ["SUCCESS", "SUCCESS", "FAILED", "SUCCESS"], answers
    assert (
        answers[0]["Reason"].startswith("dry run: unchanged template")
        and "create campaign welcome" in answers[0]["Reason"]
    )
    assert listed(pinpoint, elsewhere_app) == ({}, {}), "the dry run wrote nothing"
    assert answers[1]["PhysicalResourceId"] == physical and answers[1]["Data"]["Deleted"] == 2
    assert set(after_update[0]) == {"gold"} and after_update[1] == {}, (
        "the update prunes what it no longer names"
    )
    assert "no segment no-such-segment" in answers[2]["Reason"]
    assert answers[3]["Data"]["Deleted"] == 1
    assert listed(pinpoint, target) == ({}, {})


def test_a_copied_journey_arrives_as_a_draft_and_runs_in_the_target_once_published(local_stack, pinpoint):
    from tests.support.journeys import Journeying

    source, target = Journeying(local_stack, pinpoint), Journeying(local_stack, pinpoint)
    request = {
        "Name": "welcome series",
        "StartActivity": "welcomeEmail",
        "StartCondition": {"SegmentStartCondition": {"SegmentId": source.segment()}},
        "Activities": source.activities(wait="P1D"),
        "Schedule": source.schedule(),
    }
    journey = source.create(request)
    target.email("ann-mail", "ann@example.com")  # gold, in the target application
    common = ("--from-app", source.app, "--to-app", target.app, "--journey", journey["Id"])
    copied = run_copy(local_stack, *common)
    assert [(s["Kind"], s["Action"]) for s in copied["Steps"]] == [
        ("template", "unchanged"),  # templates are shared within a stack
        ("template", "unchanged"),
        ("segment", "created"),
        ("journey", "created"),
    ]
    (copy,) = pinpoint.list_journeys(ApplicationId=target.app)["JourneysResponse"]["Item"]
    segment_copy = next(s["Target"] for s in copied["Steps"] if s["Kind"] == "segment")
    assert copy["State"] == "DRAFT" and copy["Activities"] == request["Activities"]
    assert copy["StartCondition"]["SegmentStartCondition"]["SegmentId"] == segment_copy
    assert copy["tags"]["engage:copied-from"].endswith(f"/journeys/{journey['Id']}")
    assert run_copy(local_stack, *common)["Summary"] == {"unchanged": 4}

    target.state(copy["Id"], "ACTIVE")  # published in the target, it enters the target's segment
    emails, _ = target.sent(copy["Id"], emails=1, texts=0)
    assert emails[0]["request"]["Destination"]["ToAddresses"] == ["ann@example.com"]
    assert not source.emails(journey["Id"]), "the original, a draft, sent nothing"
