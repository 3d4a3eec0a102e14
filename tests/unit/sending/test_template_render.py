"""Rendering message templates (engage.templates.render): Pinpoint's message variables, defaults
and substitutions, Handlebars blocks, and escaping only where the part is HTML."""

import pytest
from engage.errors import ValidationError
from engage.templates.render import check, render

ANA = {
    "Id": "ep-1",
    "ChannelType": "EMAIL",
    "Address": "ana@example.com",
    "Attributes": {"Colors": ["red", "blue"], "Plan": ["gold"]},
    "User": {"UserId": "u-1", "UserAttributes": {"FirstName": ["Ana"], "LastName": ["O'Brien"]}},
    "Metrics": {"orders": 3.0},
    "Location": {"City": "Seattle"},
}


def test_pinpoints_message_variables_render_from_the_endpoint():
    text = (
        "Hi {{User.UserAttributes.FirstName}} ({{Id}}, {{Address}}) on {{Attributes.Plan}} "
        "in {{Location.City}}"
    )
    assert render(text, ANA) == "Hi Ana (ep-1, ana@example.com) on gold in Seattle"


def test_lists_render_as_handlebars_renders_arrays_and_each_iterates_them():
    assert render("{{Attributes.Colors}}", ANA) == "red,blue"
    assert render("{{#each Attributes.Colors}}<{{this}}>{{/each}}", ANA) == "<red><blue>"
    assert render("{{#if Attributes.Missing}}yes{{else}}no{{/if}}", ANA) == "no"


def test_defaults_fill_what_the_endpoint_lacks_and_message_substitutions_win():
    defaults = '{"User.UserAttributes.FirstName": "there", "Attributes.Coupon": "WELCOME"}'
    assert render("Hi {{User.UserAttributes.FirstName}}", {"Id": "x"}, defaults=defaults) == "Hi there"
    assert render("Hi {{User.UserAttributes.FirstName}}", ANA, defaults=defaults) == "Hi Ana"
    assert render("{{Attributes.Coupon}} {{OTP}}", ANA, {"OTP": ["123456"]}, defaults) == "WELCOME 123456"
    assert render("{{Attributes.Plan}}", ANA, {"Attributes.Plan": ["platinum"]}) == "platinum"


def test_only_html_parts_are_escaped():
    text = "Dear {{User.UserAttributes.LastName}} <b>{{{User.UserAttributes.LastName}}}</b>"
    assert render(text, ANA, html=True) == "Dear O&#x27;Brien <b>O'Brien</b>"
    assert render(text, ANA) == "Dear O'Brien <b>O'Brien</b>"
    assert render("{{#each Attributes.Colors}}{{this}}&{{/each}}", ANA) == "red&blue&"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{#if x}}never closed", "open"),
        ("{{/each}}", "without"),
        ("{{#if x}}{{/each}}", "without"),
        ("{{nohelper x}}", "not a valid template"),
    ],
)
def test_templates_that_would_not_render_are_refused_when_saved(text, reason):
    with pytest.raises(ValidationError, match=reason):
        check(text, "HtmlPart")
    check("{{#if a}}{{#each b}}{{this}}{{/each}}{{else}}none{{/if}}", "HtmlPart")


def test_bad_default_substitutions_are_refused():
    with pytest.raises(ValidationError, match="DefaultSubstitutions"):
        render("x", ANA, defaults="{not json")
