"""Pinpoint's segment dimensions, evaluated against endpoints (engage.segments.dimensions)."""

import pytest
from engage.errors import ValidationError
from engage.segments.dimensions import check_dimensions, in_groups, matches

ANA = {
    "ChannelType": "EMAIL",
    "Address": "ana@example.com",
    "Attributes": {"Interests": ["golf", "tennis"], "SignedUp": ["2026-03-01T10:00:00Z"]},
    "Metrics": {"orders": 3.0},
    "User": {"UserId": "u1", "UserAttributes": {"Plan": ["pro"]}},
    "Location": {"Country": "US"},
    "Demographic": {"Platform": "ios", "Timezone": "America/New_York"},
}
BEN = {
    "ChannelType": "SMS",
    "Address": "+14255550100",
    "Attributes": {"Interests": ["chess"]},
    "Metrics": {"orders": 0.0},
    "Location": {"Country": "GB"},
}


@pytest.mark.parametrize(
    ("dimensions", "ana", "ben"),
    [
        ({"Attributes": {"Interests": {"AttributeType": "INCLUSIVE", "Values": ["golf"]}}}, True, False),
        ({"Attributes": {"Interests": {"AttributeType": "EXCLUSIVE", "Values": ["golf"]}}}, False, True),
        ({"Attributes": {"Interests": {"AttributeType": "CONTAINS", "Values": ["ten"]}}}, True, False),
        ({"Attributes": {"SignedUp": {"AttributeType": "AFTER", "Values": ["2026-01-01"]}}}, True, False),
        ({"Attributes": {"SignedUp": {"AttributeType": "BEFORE", "Values": ["2026-01-01"]}}}, False, False),
        ({"Attributes": {"SignedUp": {"AttributeType": "ON", "Values": ["2026-03-01"]}}}, True, False),
        (
            {
                "Attributes": {
                    "SignedUp": {"AttributeType": "BETWEEN", "Values": ["2026-02-01", "2026-04-01"]}
                }
            },
            True,
            False,
        ),
        ({"UserAttributes": {"Plan": {"Values": ["pro"]}}}, True, False),
        ({"Metrics": {"orders": {"ComparisonOperator": "GREATER_THAN", "Value": 1}}}, True, False),
        ({"Metrics": {"orders": {"ComparisonOperator": "EQUAL", "Value": 0}}}, False, True),
        ({"Demographic": {"Channel": {"Values": ["SMS"]}}}, False, True),
        ({"Demographic": {"Platform": {"DimensionType": "EXCLUSIVE", "Values": ["IOS"]}}}, False, True),
        ({"Location": {"Country": {"Values": ["us"]}}}, True, False),
        (
            {
                "Location": {"Country": {"Values": ["US"]}},
                "Metrics": {"orders": {"ComparisonOperator": "LESS_THAN", "Value": 1}},
            },
            False,
            False,
        ),
    ],
)
def test_each_dimension_type_selects_the_right_endpoints(dimensions, ana, ben):
    check_dimensions(dimensions)
    assert (matches(ANA, dimensions), matches(BEN, dimensions)) == (ana, ben)


def test_groups_combine_with_all_any_and_none():
    golf = {"Attributes": {"Interests": {"Values": ["golf"]}}}
    british = {"Location": {"Country": {"Values": ["GB"]}}}
    any_of = {"Groups": [{"Type": "ANY", "Dimensions": [golf, british]}]}
    assert in_groups(ANA, any_of) and in_groups(BEN, any_of)
    none_of = {"Groups": [{"Type": "NONE", "Dimensions": [golf]}]}
    assert not in_groups(ANA, none_of) and in_groups(BEN, none_of)
    both = {
        "Include": "ALL",
        "Groups": [{"Type": "ALL", "Dimensions": [golf]}, {"Type": "ANY", "Dimensions": [british]}],
    }
    assert not in_groups(ANA, both) and not in_groups(BEN, both)
    either = {**both, "Include": "ANY"}
    assert in_groups(ANA, either) and in_groups(BEN, either)


@pytest.mark.parametrize(
    ("dimensions", "field"),
    [
        (
            {"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "RECENT"}}},
            "Dimensions.Behavior.Recency.RecencyType",
        ),
        (
            {"Location": {"GPSPoint": {"Coordinates": {"Latitude": 1, "Longitude": 2}}}},
            "Dimensions.Location.GPSPoint",
        ),
        (
            {"Attributes": {"a": {"AttributeType": "LIKE", "Values": ["x"]}}},
            "Dimensions.Attributes.a.AttributeType",
        ),
        (
            {"Attributes": {"a": {"AttributeType": "BETWEEN", "Values": ["2026-01-01"]}}},
            "Dimensions.Attributes.a.Values",
        ),
        (
            {"Metrics": {"m": {"ComparisonOperator": "ABOUT", "Value": 1}}},
            "Dimensions.Metrics.m.ComparisonOperator",
        ),
    ],
)
def test_what_cannot_be_evaluated_is_refused_by_name(dimensions, field):
    with pytest.raises(ValidationError) as caught:
        check_dimensions(dimensions)
    assert caught.value.field == field
