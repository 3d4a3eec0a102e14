"""Every parser of outside input, given arbitrary input: it accepts it or rejects it clearly.
(Endpoint requests: tests/unit/audience/test_endpoint_model.py.)"""

from __future__ import annotations

import json

from engage.addresses import ChannelType, check_address, parse_channel
from engage.consent import consent_record
from engage.errors import ValidationError
from engage.events import Event, to_record
from engage.suppression import suppression
from hypothesis import given
from hypothesis import strategies as st

from engage_local.api import Route, compile_path, proxy_event
from engage_local.emulators.framework import ApiError, Clock, Request
from engage_local.emulators.ses import SesState, ses_emulator
from engage_local.emulators.sms import SmsVoiceState, sms_voice_emulator
from engage_local.pollers import _batch_failures
from engage_local.routing import due, render_input_template
from engage_local.runtime import Invocation
from tests.support.fuzz import accepts_or_rejects, json_values, messy_text


@given(messy_text, messy_text)
def test_channels_and_addresses(channel, address):
    accepts_or_rejects(parse_channel, channel, rejects=(ValidationError,))
    for kind in ChannelType:
        accepts_or_rejects(check_address, kind, address, rejects=(ValidationError,))


@given(messy_text, messy_text, messy_text, messy_text, messy_text)
def test_consent_and_suppression_records(app, channel, address, status, source):
    accepts_or_rejects(consent_record, app, channel, address, status, source, rejects=(ValidationError,))
    accepts_or_rejects(suppression, app, channel, address, status, source, rejects=(ValidationError,))


@given(
    messy_text,
    messy_text,
    messy_text,
    st.dictionaries(messy_text, json_values, max_size=3),
    st.dictionaries(messy_text, json_values, max_size=3),
)
def test_events(event_type, app, endpoint, attributes, metrics):
    event = Event(event_type, app, endpoint, attributes=attributes, metrics=metrics)
    accepts_or_rejects(lambda e: to_record(e, arrival_ms=0), event, rejects=(ValidationError,))


@given(messy_text, st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=3), json_values)
def test_eventbridge_input_templates(template, paths, event):
    render_input_template(template, paths, event if isinstance(event, dict) else {"detail": event})


@given(messy_text)
def test_schedule_expressions(expression):
    from datetime import UTC, datetime

    accepts_or_rejects(due, expression, datetime(2026, 12, 1, tzinfo=UTC), rejects=(ValueError,))


@given(json_values, st.booleans())
def test_partial_batch_responses(response, errored):
    result = Invocation(json.dumps(response), "X" if errored else None, "", "r", 0.0)
    assert _batch_failures(result, ["m1", "m2"], "itemIdentifier") in (
        None,
        set(),
        {"m1"},
        {"m2"},
        {"m1", "m2"},
    )


@given(
    messy_text,
    messy_text,
    st.binary(max_size=64),
    st.dictionaries(st.text(max_size=10), st.lists(st.text(max_size=10), min_size=1, max_size=2), max_size=3),
)
def test_api_requests(path, query, body, headers):
    route = Route("api", "/hello/{name}", "GET", "arn", compile_path("/hello/{name}"), ("image/*",))
    event = proxy_event(route, "GET", "/" + path, query, headers, body, "127.0.0.1")
    assert event["httpMethod"] == "GET"


EMULATORS = [
    sms_voice_emulator(SmsVoiceState("us-east-1", Clock(), lambda *_: None)),
    ses_emulator(SesState("us-east-1", Clock(), lambda *_: None, None)),
]


@given(st.sampled_from([(e, op) for e in EMULATORS for op in e.handlers]), json_values)
def test_emulated_requests_with_any_body(pair, body):
    emulator, name = pair
    operation = emulator.model.operation_model(name)
    headers = {"x-amz-target": f"PinpointSMSVoiceV2.{name}", "content-type": "application/x-amz-json-1.0"}
    request = Request("POST", "/", "", headers, json.dumps(body).encode())
    accepts_or_rejects(emulator.parse, operation, request, {}, rejects=(ApiError,))
