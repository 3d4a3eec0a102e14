"""The `engage` command's argument parsing that is not a service call: parameter overrides as
`sam deploy --parameter-overrides` takes them, and clock durations."""

import pytest

from engage_cli.common import CommandError
from engage_cli.main import duration_seconds, parameter_overrides


def test_parameter_overrides_take_sams_two_spellings_and_values_with_equals_signs():
    assert parameter_overrides(
        ["Stage=prod", 'ParameterKey=SmsInboundApplications,ParameterValue={"*": "a=b"}', "Empty="]
    ) == {"Stage": "prod", "SmsInboundApplications": '{"*": "a=b"}', "Empty": ""}
    assert parameter_overrides(None) == {}


@pytest.mark.parametrize("pair", ["Stage", "=prod"])
def test_a_malformed_override_is_named(pair):
    with pytest.raises(CommandError, match=pair):
        parameter_overrides([pair])


def test_durations_read_units_and_refuse_going_back():
    assert [duration_seconds(t) for t in ("90", "45s", "30m", "36h", "2d")] == [90, 45, 1800, 129600, 172800]
    with pytest.raises(CommandError, match="only advances"):
        duration_seconds("-5m")
