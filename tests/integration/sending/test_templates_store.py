"""The messaging application's template store on moto: versions, the active version, a lost update
refused, deletion."""

import pytest

from devtools.template import create_table


def test_templates_keep_their_versions_and_refuse_a_lost_update(dynamodb):
    from engage.adapters.dynamodb.templates import DynamoTemplateStore
    from engage.errors import ConflictError
    from engage.templates.model import Templates

    store = DynamoTemplateStore(create_table(dynamodb, "TemplatesTable"), dynamodb)
    templates = Templates(store)
    templates.create("SMS", "otp", {"Body": "Code {{OTP}}"})
    templates.update("SMS", "otp", {"Body": "Code: {{OTP}}"}, create_new_version=True)
    assert (store.head("SMS", "otp"), templates.get("SMS", "otp")["Version"]) == (
        {"latest": 2, "active": 1},
        "1",
    )
    templates.set_active("SMS", "otp", 2)
    assert templates.get("SMS", "otp")["Body"] == "Code: {{OTP}}"
    stale = templates.get("SMS", "otp", 1)
    with pytest.raises(ConflictError):  # a writer that read version 1 as the latest
        store.save({**stale, "Version": "2"}, latest=2, active=2, expected_latest=1)
    templates.delete("SMS", "otp")
    assert store.head("SMS", "otp") is None and store.version("SMS", "otp", 2) is None


def test_versions_are_listed_deleted_one_by_one_and_templates_listed_by_name(dynamodb):
    from engage.adapters.dynamodb.templates import DynamoTemplateStore
    from engage.templates.model import Templates

    store = DynamoTemplateStore(create_table(dynamodb, "TemplatesTable"), dynamodb)
    templates = Templates(store)
    templates.create("EMAIL", "welcome", {"Subject": "Hi", "TextPart": "v1"})
    templates.update("EMAIL", "welcome", {"Subject": "Hi", "TextPart": "v2"}, create_new_version=True)
    templates.create("SMS", "alert", {"Body": "b"})
    assert [v["Version"] for v in templates.versions("EMAIL", "welcome")] == ["1", "2"]
    assert [(t["TemplateName"], t["TemplateType"]) for t in templates.list()] == [
        ("alert", "SMS"),
        ("welcome", "EMAIL"),
    ]
    templates.delete("EMAIL", "welcome", "2")
    assert [v["Version"] for v in templates.versions("EMAIL", "welcome")] == ["1"]
