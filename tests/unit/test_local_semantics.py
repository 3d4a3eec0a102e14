"""Pure parts of the local stack's event-source semantics: schedule expressions, EventBridge input
transformers, Lambda's partial-batch responses and API Gateway's path matching."""

import json
from datetime import UTC, datetime

import pytest

from engage_local.api import Route, compile_path, is_binary, proxy_event
from engage_local.pollers import _batch_failures
from engage_local.routing import due, render_input_template, target_input
from engage_local.runtime import Invocation

AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 6 1 * ? *)", True),
        ("cron(30 6 1 * ? *)", False),
        ("cron(0/15 * * * ? *)", True),
        ("cron(5/15 * * * ? *)", False),
        ("cron(0 6 ? * TUE *)", True),
        ("cron(0 6 ? * MON-FRI *)", True),
        ("cron(0 6 ? * SAT,SUN *)", False),
        ("cron(0 6 1 JAN ? *)", False),
        ("cron(0 6 1 DEC ? 2026)", True),
        ("rate(5 minutes)", True),  # 06:00 is a multiple of five minutes since the epoch
        ("rate(11 minutes)", False),
        ("rate(1 day)", False),  # at midnight UTC
        ("rate(1 hour)", True),
        ("at(2026-12-01T06:00:00)", True),
        ("at(2026-12-01T07:00:00)", False),
    ],
)
def test_schedule_expressions_are_due_in_the_minute_they_name(expression, expected):
    assert due(expression, AT) is expected


def test_a_rate_fires_once_per_period_as_the_clock_passes_it():
    from datetime import timedelta

    minutes = [AT + timedelta(minutes=n) for n in range(24 * 60)]
    assert sum(due("rate(15 minutes)", m) for m in minutes) == 96
    assert sum(due("rate(2 hours)", m) for m in minutes) == 12


def test_a_schedules_cron_is_read_in_its_own_zone_across_a_dst_change():
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")  # clocks go forward on Sunday 28 March 2027
    before, after = datetime(2027, 3, 27, 8, 0, tzinfo=UTC), datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert due("cron(0 9 * * ? *)", before.astimezone(paris)) and due(
        "cron(0 9 * * ? *)", after.astimezone(paris)
    )
    assert not due("cron(0 9 * * ? *)", before) and due("at(2027-03-29T09:00:00)", after.astimezone(paris))


@pytest.mark.parametrize("bad", ["cron(0 6 1 * ?)", "every day", "rate(0 minutes)", "rate(5 weeks)"])
def test_malformed_schedule_expressions_are_refused(bad):
    with pytest.raises(ValueError, match=r"cron expression has six fields|unknown schedule expression|rate"):
        due(bad, AT)


def test_input_transformer_quotes_strings_outside_json_strings_and_inlines_them_inside():
    event = {"detail": {"user": "ana", "count": 3, "tags": ["a"]}}
    paths = {"user": "$.detail.user", "count": "$.detail.count", "tags": "$.detail.tags"}
    assert render_input_template(
        '{"u": <user>, "n": <count>, "t": <tags>, "s": "hi <user> x<count>"}', paths, event
    ) == {"u": "ana", "n": 3, "t": ["a"], "s": "hi ana x3"}
    assert render_input_template('"<user> signed up"', paths, event) == "ana signed up"
    assert render_input_template('{"whole": <aws.events.event.json>}', {}, event) == {"whole": event}


def test_rule_targets_take_input_input_path_or_the_event():
    event = {"detail": {"a": 1}}
    assert target_input({"Input": '{"fixed": true}'}, event) == {"fixed": True}
    assert target_input({"InputPath": "$.detail"}, event) == {"a": 1}
    assert target_input({}, event) == event


def invocation(payload, error=None):
    return Invocation(json.dumps(payload), error, "", "r", 0.0)


def test_batch_item_failures_name_what_comes_back():
    ids = ["m1", "m2", "m3"]
    assert _batch_failures(
        invocation({"batchItemFailures": [{"itemIdentifier": "m2"}]}), ids, "itemIdentifier"
    ) == {"m2"}
    assert _batch_failures(invocation({"batchItemFailures": []}), ids, "itemIdentifier") == set()
    assert _batch_failures(invocation(None), ids, "itemIdentifier") == set()
    assert _batch_failures(invocation({"ok": 1}), ids, "itemIdentifier") == set()


@pytest.mark.parametrize(
    "response",
    [
        {"batchItemFailures": [{"itemIdentifier": "nope"}]},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{}]},
        {"batchItemFailures": "m1"},
    ],
)
def test_a_malformed_partial_batch_response_fails_the_whole_batch(response):
    assert _batch_failures(invocation(response), ["m1"], "itemIdentifier") is None


def test_a_function_error_fails_the_whole_batch():
    assert _batch_failures(invocation({"errorType": "X"}, "X"), ["m1"], "itemIdentifier") is None


def test_paths_match_like_api_gateway_resources():
    assert compile_path("/hello/{name}").match("/hello/ana")
    assert not compile_path("/hello/{name}").match("/hello/ana/more")
    assert compile_path("/files/{proxy+}").match("/files/a/b/c")
    assert compile_path("/").match("/")


def test_the_proxy_event_has_the_rest_api_shape_and_encodes_binary_bodies():
    route = Route(
        "api1",
        "/upload/{name}",
        "POST",
        "arn:aws:lambda:us-east-1:1:function:f",
        compile_path("/upload/{name}"),
        ("image/*",),
    )
    event = proxy_event(
        route, "POST", "/upload/x.png", "a=1&a=2", {"content-type": ["image/png"]}, b"\x89PNG", "127.0.0.1"
    )
    assert event["pathParameters"] == {"name": "x.png"}
    assert event["queryStringParameters"] == {"a": "2"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["isBase64Encoded"] is True and event["body"] == "iVBORw=="
    assert event["requestContext"]["resourcePath"] == "/upload/{name}"
    assert is_binary("image/gif; charset=x", ("image/gif",)) and not is_binary("text/plain", ("image/gif",))


def test_a_lone_angle_bracket_is_text_and_rendering_always_ends():
    assert render_input_template("<x", {"": "$.a"}, {}) == "<x"
    assert render_input_template("a < b", {"b": "$.b"}, {"b": 1}) == "a < b"


def test_a_zero_cron_step_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        due("cron(*/0 * * * ? *)", AT)
