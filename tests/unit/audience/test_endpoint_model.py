import pytest
from engage.contacts.model import (
    REQUEST_FIELDS,
    Quotas,
    attribute_names,
    check_app_id,
    check_endpoint_id,
    check_size,
    cohort_id,
    merge,
    validate_request,
)
from engage.errors import LimitExceededError, ValidationError
from hypothesis import given

from tests.support.fuzz import accepts_or_rejects, objects

APP = "app1"
NOW = "2026-11-25T10:00:00.000Z"


def create(request, existing=None, now=NOW, endpoint_id="ep-1"):
    return merge(existing, validate_request(request), app_id=APP, endpoint_id=endpoint_id, now=now)


def test_a_new_endpoint_gets_pinpoints_defaults():
    endpoint = create({"ChannelType": "email", "Address": "Jane@Example.com"})
    assert endpoint == {
        "ChannelType": "EMAIL",
        "Address": "Jane@Example.com",
        "EffectiveDate": NOW,
        "CreationDate": NOW,
        "OptOut": "NONE",
        "EndpointStatus": "ACTIVE",
        "ApplicationId": APP,
        "Id": "ep-1",
        "CohortId": cohort_id(APP, "ep-1"),
    }


def test_update_replaces_fields_sent_and_keeps_the_rest():
    first = create(
        {
            "ChannelType": "SMS",
            "Address": "+14255550100",
            "OptOut": "NONE",
            "Attributes": {"Interests": ["golf", "tennis"], "Tier": ["gold"]},
            "Metrics": {"visits": 3},
            "Location": {"Country": "us", "City": "Seattle"},
            "Demographic": {"Timezone": "America/Los_Angeles"},
            "User": {"UserId": "u1", "UserAttributes": {"FirstName": ["Jane"]}},
        }
    )
    later = "2026-11-26T10:00:00.000Z"
    second = create(
        {
            "OptOut": "ALL",
            "Attributes": {"Interests": ["chess"], "Tier": []},
            "Metrics": {"orders": 1.5},
            "Location": {"City": "Tacoma"},
            "User": {"UserAttributes": {"LastName": ["Doe"]}},
        },
        existing=first,
        now=later,
    )
    assert second["Address"] == "+14255550100"
    assert second["ChannelType"] == "SMS"
    assert second["OptOut"] == "ALL"
    assert second["Attributes"] == {"Interests": ["chess"]}, (
        "a named attribute is replaced whole; [] removes it"
    )
    assert second["Metrics"] == {"visits": 3.0, "orders": 1.5}
    assert second["Location"] == {"Country": "US", "City": "Tacoma"}
    assert second["User"] == {"UserId": "u1", "UserAttributes": {"FirstName": ["Jane"], "LastName": ["Doe"]}}
    assert second["CreationDate"] == NOW
    assert second["EffectiveDate"] == later


def test_an_explicit_effective_date_is_kept_and_an_empty_user_id_unlinks_the_user():
    first = create({"ChannelType": "EMAIL", "Address": "a@example.com", "User": {"UserId": "u1"}})
    second = create({"EffectiveDate": "2026-01-01T00:00:00Z", "User": {"UserId": ""}}, existing=first)
    assert second["EffectiveDate"] == "2026-01-01T00:00:00Z"
    assert "User" not in second


def test_a_new_endpoint_needs_a_channel_and_an_address():
    with pytest.raises(ValidationError, match="ChannelType: is required to create an endpoint"):
        create({"Attributes": {"a": ["b"]}})
    with pytest.raises(ValidationError, match="ChannelType: is required with an Address"):
        create({"Address": "a@example.com"})
    with pytest.raises(ValidationError, match="Address: is required to create a SMS endpoint"):
        create({"ChannelType": "SMS"})
    assert create({"ChannelType": "IN_APP"})["ChannelType"] == "IN_APP"


def test_changing_the_channel_must_still_fit_the_stored_address():
    first = create({"ChannelType": "EMAIL", "Address": "a@example.com"})
    with pytest.raises(ValidationError, match="Address: a phone number may hold only digits"):
        create({"ChannelType": "SMS"}, existing=first)


@pytest.mark.parametrize(
    ("request_body", "field", "reason"),
    [
        ({"ChannelType": "PIGEON"}, "ChannelType", "unknown channel type"),
        ({"ChannelType": "EMAIL", "Address": "not-an-email"}, "Address", "not a syntactically valid email"),
        ({"ChannelType": "SMS", "Address": "555-CALL-NOW"}, "Address", "may hold only digits"),
        ({"Attributes": {"x" * 51: ["v"]}}, "Attributes." + "x" * 51, "longer than 50 characters"),
        ({"Attributes": {"color": ["v" * 101]}}, "Attributes.color", "longer than 100 characters"),
        (
            {"Attributes": {"color": [str(i) for i in range(51)]}},
            "Attributes.color",
            "has 51 values; at most 50",
        ),
        ({"User": {"UserAttributes": {"n": [str(i) for i in range(51)]}}}, "UserAttributes.n", "at most 50"),
        ({"Attributes": {"color": "red"}}, "Attributes.color", "must be a list of strings"),
        ({"Attributes": {"color": [1]}}, "Attributes.color", "values must be strings"),
        ({"Attributes": {"": ["v"]}}, "Attributes", "can't be empty"),
        ({"Metrics": {"visits": "3"}}, "Metrics.visits", "finite number"),
        ({"Metrics": {"visits": float("nan")}}, "Metrics.visits", "finite number"),
        ({"Metrics": {"visits": True}}, "Metrics.visits", "finite number"),
        ({"OptOut": "SOME"}, "OptOut", "ALL, NONE"),
        ({"EndpointStatus": "GONE"}, "EndpointStatus", "ACTIVE, INACTIVE"),
        ({"EffectiveDate": "yesterday"}, "EffectiveDate", "not an ISO 8601"),
        ({"Location": {"Country": "USA"}}, "Location.Country", "alpha-2"),
        ({"Location": {"Latitude": 91}}, "Location.Latitude", "between -90.0 and 90.0"),
        ({"Location": {"Planet": "Mars"}}, "Location.Planet", "unknown field"),
        ({"Demographic": {"Timezone": "Mars/Olympus"}}, "Demographic.Timezone", "tz database name"),
        ({"User": {"UserName": "x"}}, "User.UserName", "unknown field"),
        ({"Channel": "SMS"}, "Channel", "unknown endpoint field"),
    ],
)
def test_bad_requests_name_the_field_and_the_reason(request_body, field, reason):
    with pytest.raises(ValidationError) as caught:
        validate_request(request_body)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_quota_breaches_are_limit_errors():
    with pytest.raises(LimitExceededError):
        validate_request({"Attributes": {"a": ["v"] * 51}})
    with pytest.raises(LimitExceededError):
        validate_request({"Attributes": {"a" * 51: ["v"]}})


def test_an_endpoint_over_the_size_quota_is_refused():
    endpoint = create(
        {
            "ChannelType": "EMAIL",
            "Address": "a@example.com",
            "Attributes": {f"a{i}": ["v" * 100] * 20 for i in range(10)},
        }
    )
    with pytest.raises(LimitExceededError, match="an endpoint may hold at most 15360"):
        check_size(endpoint)
    check_size(endpoint, Quotas(endpoint_bytes=10**6))


@pytest.mark.parametrize("bad", ["", "a b", "a#b", "x" * 65, None])
def test_application_ids_are_checked(bad):
    with pytest.raises(ValidationError, match="ApplicationId"):
        check_app_id(bad)


@pytest.mark.parametrize("bad", ["", "  ", "a$b", "a{b}", "x" * 257, "tab\there"])
def test_endpoint_ids_are_checked(bad):
    with pytest.raises(ValidationError):
        check_endpoint_id(bad)


def test_cohorts_are_stable_and_spread():
    assert cohort_id(APP, "ep-1") == cohort_id(APP, "ep-1")
    cohorts = {int(cohort_id(APP, f"ep-{i}")) for i in range(2000)}
    assert cohorts == set(range(100))


def test_attribute_names_counts_only_names_that_get_values():
    request = validate_request(
        {
            "Attributes": {"a": ["1"], "gone": []},
            "Metrics": {"m": 1},
            "User": {"UserAttributes": {"u": ["x"]}},
        }
    )
    assert attribute_names(request) == {"Attributes": {"a"}, "Metrics": {"m"}, "UserAttributes": {"u"}}


@given(objects(REQUEST_FIELDS))
def test_any_json_request_is_either_accepted_or_rejected_with_a_validation_error(body):
    checked = accepts_or_rejects(validate_request, body, rejects=(ValidationError,))
    if not isinstance(checked, ValidationError):
        assert set(checked) <= set(body)
