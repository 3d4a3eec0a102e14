"""The GTM pixel's reading of a request: what is recorded, what is dropped (user attributes without
a valid token or off the allow-list) and what is refused (with the reason counted), and the hit as
Pinpoint's PutEvents request."""

from __future__ import annotations

import contextlib
import json

import pytest
from engage.api.ingest import put_events
from engage.pixel.model import (
    GIF,
    PixelRefused,
    PixelRules,
    allowed_origin,
    events_request,
    mint_token,
    read_hit,
)
from engage.signed_tokens import sign
from hypothesis import given
from hypothesis import strategies as st

from tests.support.fakes import MemoryEndpoints

NOW = 1_795_000_000.0
KEYS = [b"current-key", b"previous-key"]
RULES = PixelRules("shop", frozenset({"plan", "favourite_colour"}))


def hit(query: dict[str, list[str] | str], headers=None, rules=RULES, keys=KEYS, now=NOW):
    parameters = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
    return read_hit(parameters, headers or {}, "req-1", now, rules, keys)


def test_the_gif_is_a_transparent_gif89a():
    assert GIF.startswith(b"GIF89a") and GIF[6:10] == b"\x01\x00\x01\x00" and len(GIF) < 50


def test_an_anonymous_event_with_attributes_is_recorded():
    recorded = hit({"event": "purchase_success", "endpoint_id": "ep-1", "evat_sku": "A-1", "gtmcb": "123"})
    assert (recorded.event_type, recorded.endpoint_id, recorded.event_id) == (
        "purchase_success",
        "ep-1",
        "req-1",
    )
    assert recorded.attributes == {"sku": "A-1", "pixel_signed": "false"} and recorded.user_attributes == {}
    assert recorded.timestamp == "2026-11-18T11:06:40.000Z"


@pytest.mark.parametrize("given_at", ["2026-11-18T10:00:00Z", "2026-11-18T10:00:00+00:00", "1794996000000"])
def test_a_timestamp_is_iso_or_epoch_milliseconds(given_at):
    assert (
        hit({"event": "e", "endpoint_id": "ep", "timestamp": given_at}).timestamp
        == "2026-11-18T10:00:00.000Z"
    )


def test_user_attributes_need_a_valid_token_and_an_allowed_name():
    token = mint_token(KEYS, "shop", "ep-1", 600, NOW)
    query = {"event": "login", "endpoint_id": "ep-1", "usat_plan": "gold", "usat_role": "admin"}
    signed = hit({**query, "token": token})
    assert signed.user_attributes == {"plan": ["gold"]} and signed.dropped == ("user_attributes_not_allowed",)
    assert hit(query).user_attributes == {} and hit(query).dropped == ("user_attributes_unsigned",)
    previous = sign([KEYS[1]], {"a": "shop", "e": "ep-1", "u": "pixel", "x": int(NOW) + 60})
    assert hit({**query, "token": previous}).user_attributes == {"plan": ["gold"]}, "the rotating key works"


@pytest.mark.parametrize(
    "token",
    [
        mint_token(KEYS, "shop", "ep-1", 600, NOW - 3600),  # expired
        mint_token([b"an attacker's key"], "shop", "ep-1", 600, NOW),  # forged
        mint_token(KEYS, "shop", "ep-2", 600, NOW),  # for another endpoint
        mint_token(KEYS, "other-app", "ep-1", 600, NOW),  # for another application
        sign(KEYS, {"a": "shop", "e": "ep-1", "u": "unsubscribe", "x": int(NOW) + 60}),  # another use
        "not.a-token",
        "x" * 600,
    ],
    ids=["expired", "forged", "endpoint", "application", "use", "malformed", "long"],
)
def test_a_bad_token_drops_the_user_attributes_and_keeps_the_event(token):
    recorded = hit({"event": "login", "endpoint_id": "ep-1", "usat_plan": "gold", "token": token})
    assert recorded.user_attributes == {} and recorded.dropped == ("user_attributes_bad_token",)
    assert recorded.event_type == "login"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"endpoint_id": "ep"}, "missing_event"),
        ({"event": "e"}, "missing_endpoint_id"),
        ({"event": "_email.open", "endpoint_id": "ep"}, "bad_event"),
        ({"event": "e" * 51, "endpoint_id": "ep"}, "bad_event"),
        ({"event": "e", "endpoint_id": "a{b}"}, "bad_endpoint_id"),
        ({"event": "e", "endpoint_id": "ep", "evat_x": "v" * 201}, "bad_attribute"),
        ({"event": "e", "endpoint_id": "ep", "evat_": "v"}, "bad_attribute"),
        ({"event": "e", "endpoint_id": "ep", "timestamp": "yesterday"}, "bad_timestamp"),
        ({"event": "e", "endpoint_id": "ep", "timestamp": "2020-01-01T00:00:00Z"}, "bad_timestamp"),
        ({"event": "e", "endpoint_id": "ep", **{f"evat_{n}": "v" for n in range(40)}}, "too_many_parameters"),
    ],
)
def test_bad_input_is_refused_with_its_reason(query, code):
    with pytest.raises(PixelRefused) as refused:
        hit(query)
    assert refused.value.code == code


def test_only_allowed_sites_record_and_get_cors():
    rules = PixelRules("shop", allowed_origins=frozenset({"https://shop.example.com"}))
    query = {"event": "e", "endpoint_id": "ep"}
    assert hit(query, {"Referer": "https://shop.example.com/checkout?x=1"}, rules).event_type == "e"
    assert hit(query, {"origin": "https://SHOP.example.com"}, rules).event_type == "e"
    for headers in ({"Referer": "https://evil.example.net/"}, {}, {"Origin": "null"}):
        with pytest.raises(PixelRefused, match="origin_not_allowed"):
            hit(query, headers, rules)
    assert (
        allowed_origin({"Origin": "https://shop.example.com"}, rules.allowed_origins)
        == "https://shop.example.com"
    )
    assert allowed_origin({"Origin": "https://evil.example.net"}, rules.allowed_origins) is None


def test_the_keys_are_read_only_for_user_attributes():
    def keys():
        raise AssertionError("read")

    assert hit({"event": "e", "endpoint_id": "ep"}, keys=keys).event_type == "e"


@given(
    st.dictionaries(
        st.text(max_size=60), st.lists(st.text(max_size=250), min_size=1, max_size=3), max_size=45
    )
)
def test_any_query_is_recorded_or_refused_never_an_error(query):
    with contextlib.suppress(PixelRefused):
        read_hit(query, {}, "req", NOW, RULES, KEYS)


def test_a_hit_goes_through_put_events_with_its_allowed_user_attributes():
    token = mint_token(KEYS, "shop", "ep-1", 600, NOW)
    recorded = hit(
        {"event": "login", "endpoint_id": "ep-1", "usat_plan": "gold", "token": token, "evat_page": "/"}
    )
    endpoints = MemoryEndpoints([])
    ingested = put_events("shop", events_request(json.loads(recorded.to_body())), endpoints)
    assert [(e.event_type, e.event_id) for e in ingested.events] == [("login", "req-1")]
    assert endpoints.get("shop", "ep-1")["User"]["UserAttributes"] == {"plan": ["gold"]}


@given(st.text(max_size=300))
def test_any_string_as_a_token_is_refused_cleanly(text):
    from engage.errors import ValidationError
    from engage.signed_tokens import verify

    with contextlib.suppress(ValidationError):
        claims = verify(text, KEYS, NOW)
        raise AssertionError(f"accepted {claims}")


def test_every_event_says_whether_it_was_signed():
    token = mint_token(KEYS, "shop", "ep-1", 600, NOW)
    assert hit({"event": "e", "endpoint_id": "ep-1", "token": token}).attributes == {"pixel_signed": "true"}
    assert hit({"event": "e", "endpoint_id": "ep-2", "token": token}).attributes == {"pixel_signed": "false"}
    assert hit({"event": "e", "endpoint_id": "ep-1", "evat_pixel_signed": "true"}).attributes == {
        "pixel_signed": "false"
    }, "a page can't claim it"


@pytest.mark.parametrize("event_type", ["buy\x00", "buy\u202e", "buy\ufffd", "<b>buy</b>", "buy\u200b"])
def test_a_pixel_event_type_that_is_not_plain_printable_text_is_refused(event_type):
    with pytest.raises(PixelRefused, match="bad_event"):
        hit({"event": event_type, "endpoint_id": "ep"})
