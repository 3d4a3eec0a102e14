"""Journeys through boto3's pinpoint client on the local stack, as a former Pinpoint customer's code
calls them: a definition created from Pinpoint's JSON, read, listed, updated, published, paused,
resumed, cancelled and deleted, each answer parsed by botocore against Pinpoint's model."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.support.cli import engage

SAMPLE = Path(__file__).resolve().parents[3] / "events" / "api" / "pinpoint_api" / "create_journey.json"

pytestmark = pytest.mark.e2e


def definition(segment_id: str) -> dict:
    """The sample's WriteJourneyRequest (a Pinpoint journey definition), for this application."""
    return json.loads(json.loads(SAMPLE.read_text())["body"].replace("SEGMENT_ID", segment_id))


def publishable(pinpoint, app: str) -> dict:
    """The sample's definition with what publishing it needs: its segment and its templates (the
    templates' names made this test's own: templates belong to the account)."""
    segment = pinpoint.create_segment(
        ApplicationId=app,
        WriteSegmentRequest={
            "Name": "sign-ups",
            "Dimensions": {"Demographic": {"Channel": {"Values": ["EMAIL"]}}},
        },
    )["SegmentResponse"]
    request = definition(segment["Id"])
    email, sms = f"welcome-{app[:8]}", f"reminder-{app[:8]}"
    pinpoint.create_email_template(
        TemplateName=email, EmailTemplateRequest={"Subject": "Welcome", "TextPart": "Hello {{User.UserId}}"}
    )
    pinpoint.create_sms_template(TemplateName=sms, SMSTemplateRequest={"Body": "Still there?"})
    request["Activities"]["welcomeEmail"]["EMAIL"]["TemplateName"] = email
    request["Activities"]["reminderSms"]["SMS"]["TemplateName"] = sms
    return request


def test_a_pinpoint_journey_definition_runs_through_the_journey_api(pinpoint, new_app):
    app = new_app("journeys")
    request = publishable(pinpoint, app)
    request["RefreshFrequency"] = "PT1H"
    created = pinpoint.create_journey(ApplicationId=app, WriteJourneyRequest=request)["JourneyResponse"]
    journey_id = created["Id"]
    assert created["State"] == "DRAFT" and created["Activities"] == request["Activities"]
    assert pinpoint.get_journey(ApplicationId=app, JourneyId=journey_id)["JourneyResponse"] == created
    listed = pinpoint.list_journeys(ApplicationId=app)["JourneysResponse"]["Item"]
    assert [j["Id"] for j in listed] == [journey_id]

    published = pinpoint.update_journey(
        ApplicationId=app, JourneyId=journey_id, WriteJourneyRequest={**request, "State": "ACTIVE"}
    )["JourneyResponse"]
    assert published["State"] == "ACTIVE"
    with pytest.raises(ClientError) as refused:  # an active journey's activities are frozen
        pinpoint.update_journey(
            ApplicationId=app,
            JourneyId=journey_id,
            WriteJourneyRequest={**request, "State": "ACTIVE", "StartActivity": "reminderSms"},
        )
    assert refused.value.response["Error"]["Code"] == "ConflictException"

    for state in ("PAUSED", "ACTIVE", "CANCELLED"):
        answer = pinpoint.update_journey_state(
            ApplicationId=app, JourneyId=journey_id, JourneyStateRequest={"State": state}
        )["JourneyResponse"]
        assert answer["State"] == state
    with pytest.raises(ClientError) as closed:
        pinpoint.update_journey_state(
            ApplicationId=app, JourneyId=journey_id, JourneyStateRequest={"State": "COMPLETED"}
        )
    assert closed.value.response["Error"]["Code"] == "BadRequestException"
    assert "State" in closed.value.response["Error"]["Message"]

    pinpoint.delete_journey(ApplicationId=app, JourneyId=journey_id)
    with pytest.raises(ClientError) as gone:
        pinpoint.get_journey(ApplicationId=app, JourneyId=journey_id)
    assert gone.value.response["Error"]["Code"] == "NotFoundException"


def test_a_definition_pinpoint_would_refuse_is_refused_naming_the_field(pinpoint, new_app):
    app = new_app("journeys")
    request = definition("seg-1")
    request["Activities"]["wait1"]["Wait"]["NextActivity"] = "welcomeEmail"  # back to the start
    with pytest.raises(ClientError) as refused:
        pinpoint.create_journey(ApplicationId=app, WriteJourneyRequest=request)
    error = refused.value.response["Error"]
    assert error["Code"] == "BadRequestException"
    assert "welcomeEmail -> wait1 -> welcomeEmail" in error["Message"]


def test_a_journey_is_published_only_with_templates_that_exist(pinpoint, new_app):
    app = new_app("journeys")
    request = publishable(pinpoint, app)
    request["Activities"]["reminderSms"]["SMS"]["TemplateName"] = "never-created"
    with pytest.raises(ClientError) as refused:
        pinpoint.create_journey(ApplicationId=app, WriteJourneyRequest={**request, "State": "ACTIVE"})
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    assert "Activities.reminderSms.SMS.TemplateName" in refused.value.response["Error"]["Message"]
    draft = pinpoint.create_journey(ApplicationId=app, WriteJourneyRequest=request)["JourneyResponse"]
    assert draft["State"] == "DRAFT"  # a draft may name a template before it exists


def test_the_cli_creates_lists_shows_and_publishes_a_journey(local_stack, pinpoint, new_app, tmp_path):
    app = new_app("journeys-cli")
    written = tmp_path / "journey.json"
    request = publishable(pinpoint, app)
    tomorrow = local_stack.clock.now() + timedelta(days=1)  # not entered yet: it stays ACTIVE
    request["Schedule"] = {**request["Schedule"], "StartTime": tomorrow.isoformat()}
    written.write_text(json.dumps(request))
    created = engage(
        "journeys", "create", "--app", app, "--file", str(written), "--json", state_dir=local_stack.state_dir
    )
    assert created.returncode == 0, created.stderr
    journey = json.loads(created.stdout)
    listed = engage("journeys", "list", "--app", app, "--json", state_dir=local_stack.state_dir)
    assert [j["Id"] for j in json.loads(listed.stdout)] == [journey["Id"]]
    published = engage(
        "journeys", "state", "--app", app, journey["Id"], "ACTIVE", state_dir=local_stack.state_dir
    )
    assert published.returncode == 0 and "ACTIVE" in published.stdout, published.stderr
    shown = engage("journeys", "show", "--app", app, journey["Id"], "--json", state_dir=local_stack.state_dir)
    assert json.loads(shown.stdout)["State"] == "ACTIVE"
    refused = engage(
        "journeys", "state", "--app", app, journey["Id"], "PAUSED", state_dir=local_stack.state_dir
    )
    assert refused.returncode != 0 and "RefreshFrequency" in refused.stderr  # PAUSED needs a refresh interval
