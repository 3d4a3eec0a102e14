"""Email as MIME (engage.sending.mime): what a mail client parses back from the bytes."""

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest
from engage.errors import ValidationError
from engage.sending.mime import build_email

UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://u.example.com/unsubscribe?t=abc>, <mailto:unsub@example.com?subject=abc>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def parse(raw: bytes):
    return message_from_bytes(raw, policy=default)


def test_text_and_html_become_an_alternative_with_encoded_headers():
    raw = build_email(
        "news@example.com",
        "zoe@example.org",
        "Zoë, 20% off — today only",
        html="<p>Hi Zoë</p>",
        text="Hi Zoë",
        headers=UNSUBSCRIBE,
        sent_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        sender_name="Example News",
    )
    assert b"\r\n" in raw and all(byte < 128 for byte in raw)  # 7-bit safe on the wire
    message = parse(raw)
    assert message["Subject"] == "Zoë, 20% off — today only"
    assert message["From"] == "Example News <news@example.com>"
    assert message["Message-ID"].endswith("@example.com>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "Hi Zoë"
    assert message.get_body(("html",)).get_content().strip() == "<p>Hi Zoë</p>"


def test_a_single_part_is_sent_as_that_part():
    assert (
        parse(build_email("a@example.com", "b@example.com", "s", html="<b>x</b>")).get_content_type()
        == "text/html"
    )
    assert (
        parse(build_email("a@example.com", "b@example.com", "s", text="x")).get_content_type() == "text/plain"
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "Content"),
        ({"text": "x", "headers": {"Subject": "other"}}, "Headers.Subject"),
        ({"text": "x", "headers": {"X-Campaign": "a\r\nBcc: victim@example.com"}}, "Headers.X-Campaign"),
    ],
)
def test_bad_messages_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(ValidationError) as refused:
        build_email("a@example.com", "b@example.com", "s", **kwargs)
    assert refused.value.field == field


def test_addresses_must_be_one_plain_address():
    with pytest.raises(ValidationError, match="FromAddress"):
        build_email("a@example.com, c@example.com", "b@example.com", "s", text="x")
    with pytest.raises(ValidationError, match="Address"):
        build_email("a@example.com", "not an address", "s", text="x")
