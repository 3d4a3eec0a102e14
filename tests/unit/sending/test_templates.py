"""Message templates (engage.templates.model): Pinpoint's requests per channel, versions, the
active version, and every part rendered for an endpoint."""

import pytest
from engage.errors import NotFoundError, ValidationError
from engage.templates.model import Templates, render_template

from tests.support.fakes import MemoryTemplates

ENDPOINT = {"Id": "ep-1", "Address": "+12065550100", "User": {"UserAttributes": {"FirstName": ["Ana"]}}}


@pytest.fixture
def templates():
    return Templates(MemoryTemplates(), clock=lambda: "2026-11-25T00:00:00.000Z")


def test_an_email_template_is_created_read_and_rendered(templates):
    made = templates.create(
        "EMAIL",
        "welcome",
        {
            "Subject": "Welcome, {{User.UserAttributes.FirstName}}",
            "HtmlPart": "<p>Hi {{User.UserAttributes.FirstName}} &amp; {{Attributes.Coupon}}</p>",
            "TextPart": "Hi {{User.UserAttributes.FirstName}}",
            "DefaultSubstitutions": '{"Attributes.Coupon": "WELCOME10"}',
        },
    )
    assert (made["TemplateType"], made["Version"]) == ("EMAIL", "1")
    assert templates.get("EMAIL", "welcome") == made
    assert render_template(made, ENDPOINT) == {
        "Subject": "Welcome, Ana",
        "HtmlPart": "<p>Hi Ana &amp; WELCOME10</p>",
        "TextPart": "Hi Ana",
    }


def test_new_versions_stay_inactive_until_activated_and_plain_updates_replace_the_latest(templates):
    templates.create("SMS", "otp", {"Body": "Code {{OTP}}"})
    second = templates.update("SMS", "otp", {"Body": "Your code: {{OTP}}"}, create_new_version=True)
    assert second["Version"] == "2"
    assert templates.get("SMS", "otp")["Body"] == "Code {{OTP}}"  # still version 1
    templates.set_active("SMS", "otp", "2")
    assert templates.get("SMS", "otp")["Body"] == "Your code: {{OTP}}"
    replaced = templates.update("SMS", "otp", {"Body": "Code: {{OTP}}."})
    assert replaced["Version"] == "2" and templates.get("SMS", "otp", 2)["Body"] == "Code: {{OTP}}."
    assert render_template(templates.get("SMS", "otp"), ENDPOINT, {"OTP": ["123456"]}) == {
        "Body": "Code: 123456."
    }


def test_push_templates_render_each_platform(templates):
    made = templates.create(
        "PUSH",
        "promo",
        {"Default": {"Title": "Hi {{User.UserAttributes.FirstName}}", "Body": "Sale", "Action": "OPEN_APP"}},
    )
    assert render_template(made, ENDPOINT) == {
        "Default": {"Title": "Hi Ana", "Body": "Sale", "Action": "OPEN_APP"}
    }


@pytest.mark.parametrize(
    ("kind", "name", "request_body", "field"),
    [
        ("SMS", "x", {}, "Body"),
        ("EMAIL", "x", {"Subject": "s"}, "HtmlPart"),
        ("EMAIL", "x", {"HtmlPart": "{{#if a}}open"}, "HtmlPart"),
        ("SMS", "bad name!", {"Body": "b"}, "TemplateName"),
        ("FAX", "x", {"Body": "b"}, "TemplateType"),
        ("SMS", "x", {"Body": "b", "DefaultSubstitutions": "nope"}, "DefaultSubstitutions"),
        ("PUSH", "x", {"GCM": {"Title": "{{/each}}"}}, "GCM.Title"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(templates, kind, name, request_body, field):
    with pytest.raises(ValidationError) as refused:
        templates.create(kind, name, request_body)
    assert refused.value.field == field


def test_missing_templates_and_versions_are_not_found_and_names_are_unique(templates):
    with pytest.raises(NotFoundError):
        templates.get("SMS", "nope")
    templates.create("SMS", "once", {"Body": "b"})
    with pytest.raises(NotFoundError):
        templates.get("SMS", "once", 7)
    with pytest.raises(ValidationError, match="exists already"):
        templates.create("SMS", "once", {"Body": "b"})
    templates.delete("SMS", "once")
    with pytest.raises(NotFoundError):
        templates.get("SMS", "once")


def test_one_version_is_updated_or_deleted_and_the_active_one_is_kept():
    from engage.errors import ValidationError

    from tests.support.fakes import MemoryTemplates

    templates = Templates(MemoryTemplates())
    templates.create("SMS", "t", {"Body": "v1"})
    templates.update("SMS", "t", {"Body": "v2"}, create_new_version=True)
    templates.update("SMS", "t", {"Body": "v1 fixed"}, version="1")
    assert templates.get("SMS", "t", 1)["Body"] == "v1 fixed" and templates.get("SMS", "t", 2)["Body"] == "v2"
    with pytest.raises(ValidationError, match="active"):
        templates.delete("SMS", "t", "1")
    templates.delete("SMS", "t", "2")
    assert [v["Version"] for v in templates.versions("SMS", "t")] == ["1"]
    templates.delete("SMS", "t", "1")  # the only version: the template goes
    with pytest.raises(NotFoundError):
        templates.get("SMS", "t")
