import boto3
import pytest
from botocore.stub import Stubber
from engage.config import Settings, resolve
from engage.errors import ValidationError


def test_settings_come_from_the_environment_names_the_template_sets():
    settings = Settings.from_env({"CONTACTS_TABLE": "contacts", "EVENT_STREAM": "events", "STAGE": "prod"})
    assert settings.contacts_table == "contacts"
    assert settings.event_stream == "events"
    assert settings.stage == "prod"
    assert settings.consent_table == ""


def test_a_missing_setting_names_its_environment_variable():
    with pytest.raises(ValidationError) as caught:
        Settings.from_env({}).require("suppression_table")
    assert caught.value.field == "SUPPRESSION_TABLE"
    assert "not set" in caught.value.reason


def test_plain_values_are_used_as_they_are():
    assert resolve("contacts") == "contacts"


def test_ssm_values_are_read_through_powertools_parameters():
    ssm = boto3.client("ssm", region_name="us-east-1")
    with Stubber(ssm) as stub:
        stub.add_response(
            "get_parameter",
            {
                "Parameter": {
                    "Name": "/engage/dev/stream",
                    "Type": "String",
                    "Value": "engage-events",
                    "Version": 1,
                }
            },
            {"Name": "/engage/dev/stream", "WithDecryption": True},
        )
        settings = Settings.from_env({"EVENT_STREAM": "ssm:/engage/dev/stream"}, ssm_client=ssm)
        stub.assert_no_pending_responses()
    assert settings.event_stream == "engage-events"
