"""One-click unsubscribe tokens and headers (engage.sending.unsubscribe)."""

import pytest
from engage.errors import ValidationError
from engage.sending.mime import build_email
from engage.sending.unsubscribe import ONE_CLICK, Unsubscription, headers, mint, verify

OLD, NEW = b"old-secret-0123456789", b"new-secret-9876543210"


def test_a_token_names_what_it_unsubscribes_and_survives_a_rotation():
    token = mint([OLD], "app-1", "ep-1", "spring")
    assert verify(token, [NEW, OLD], now=10**10) == Unsubscription("app-1", "ep-1", "spring")
    assert verify(mint([NEW, OLD], "app-1", "ep-2"), [NEW], now=0).endpoint_id == "ep-2"


@pytest.mark.parametrize("tamper", ["forged", "other-endpoint", "garbage", "expired", "retired-secret"])
def test_forged_edited_expired_or_retired_tokens_are_refused_alike(tamper):
    token = mint([OLD], "app-1", "ep-1", "spring", expires_at=100)
    payload, _, signature = token.partition(".")
    cases = {
        "forged": f"{payload}.{signature[:-2]}AA",
        "other-endpoint": mint([b"attacker-secret-000000"], "app-1", "ep-2", "spring"),
        "garbage": "not-a-token",
        "expired": token,
        "retired-secret": token,
    }
    secrets = [NEW] if tamper == "retired-secret" else [OLD]
    with pytest.raises(ValidationError, match="is not valid"):
        verify(cases[tamper], secrets, now=50 if tamper != "expired" else 101)


def test_headers_carry_the_https_link_the_mailto_and_one_click():
    token = mint([OLD], "app-1", "ep-1")
    found = headers("https://u.example.com/unsubscribe", token, "unsubscribe@example.com")
    assert found["List-Unsubscribe-Post"] == ONE_CLICK
    https, mailto = found["List-Unsubscribe"].split(", ")
    assert https == f"<https://u.example.com/unsubscribe?token={token}>"
    assert mailto.startswith("<mailto:unsubscribe@example.com?subject=unsubscribe%20")
    raw = build_email("news@example.com", "ana@example.org", "Sale", text="x", headers=found)
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    with pytest.raises(ValidationError, match="https"):
        headers("http://u.example.com/unsubscribe", token)


def test_applying_an_unsubscription_opts_out_records_consent_and_emits_the_event():
    from engage.sending.unsubscribe import Unsubscription, apply

    from tests.support.fakes import MemoryConsent, MemoryEndpoints, MemoryStream

    endpoints = MemoryEndpoints(
        [{"ApplicationId": "a1", "Id": "e1", "ChannelType": "EMAIL", "Address": "Ana@Example.com"}]
    )
    consent, stream = MemoryConsent(), MemoryStream()
    assert apply(Unsubscription("a1", "e1", "c1"), endpoints, consent, stream, "2026-11-25T00:00:00.000Z")
    assert endpoints.get("a1", "e1")["OptOut"] == "ALL"
    decision = consent.get("a1", "EMAIL", "ana@example.com")
    assert decision.status.value == "OPTED_OUT" and decision.source == "one-click-unsubscribe"
    (event,) = stream.records
    assert event["event_type"] == "_email.unsubscribe" and event["attributes"]["campaign_id"] == "c1"
    assert event["attributes"]["unsubscribe_scope"] == "ALL"


def test_a_topic_unsubscription_turns_the_topic_off_and_leaves_the_endpoint_subscribed():
    from engage.sending.unsubscribe import apply, mint, verify

    from tests.support.fakes import MemoryConsent, MemoryEndpoints, MemoryStream

    claim = verify(mint([b"k"], "a1", "e1", "c1", topic="Newsletter"), [b"k"], now=0)
    assert claim.topic == "Newsletter"
    endpoints = MemoryEndpoints(
        [{"ApplicationId": "a1", "Id": "e1", "ChannelType": "EMAIL", "Address": "a@example.com"}]
    )
    consent = MemoryConsent()
    assert apply(claim, endpoints, consent, MemoryStream(), "2026-11-25T00:00:00.000Z")
    endpoint = endpoints.get("a1", "e1")
    assert endpoint["Attributes"] == {"Newsletter": ["false"]} and endpoint.get("OptOut") is None
    assert consent.records == {}


def test_an_erased_endpoint_has_nothing_left_to_unsubscribe():
    from engage.sending.unsubscribe import Unsubscription, apply

    from tests.support.fakes import MemoryConsent, MemoryEndpoints, MemoryStream

    stream = MemoryStream()
    assert not apply(Unsubscription("a1", "gone", None), MemoryEndpoints(), MemoryConsent(), stream, "t")
    assert stream.records == []
