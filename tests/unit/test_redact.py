import io
import json

import pytest
from engage.obs import make_logger
from engage.redact import mask_email, mask_phone, redact, redact_log, redact_value


def test_emails_keep_only_the_first_letter_and_the_top_level_domain():
    assert mask_email("jane.doe@example.com") == "j***@***.com"
    assert mask_email("x@localhost") == "x***@***"


def test_phones_keep_only_the_last_two_digits():
    assert mask_phone("+14255550100") == "+*********00"
    assert mask_phone("(202) 555-0191") == "********91"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("sent to jane.doe@example.com ok", "jane.doe@example.com"),
        ("Reply from +14255550100: STOP", "4255550100"),
        ("number +44 20 7946 0958 failed", "7946 0958"),
        ("call (202) 555-0191 now", "555-0191"),
        ("call 202-555-0191 now", "555-0191"),
        ("legacy 14256791901 row", "14256791901"),
        ("intl (+351) 282 43 50 50", "282 43 50 50"),
    ],
)
def test_personal_data_in_free_text_is_masked(text, secret):
    assert secret not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-25 13:52:45,123+0000",
        "job 3f2c9a1e-4b7d-4c1a-9e2f-123456789abc",
        "processed 1500 rows in 12.5s",
        "endpoint ep-123 in app a1b2c3",
    ],
)
def test_ordinary_log_text_is_left_alone(text):
    assert redact(text) == text


def test_nested_values_and_keys_are_masked():
    value = {"to": ["a@example.com"], "by-number": {"+14255550100": 1}, "count": 3}
    masked = redact_value(value)
    assert masked == {"to": ["a***@***.com"], "by-number": {"+*********00": 1}, "count": 3}


def test_powertools_own_fields_are_not_touched():
    record = {"timestamp": "2026-11-25 13:52:45,123+0000", "message": "to jane@example.com"}
    assert redact_log(record) == {"timestamp": "2026-11-25 13:52:45,123+0000", "message": "to j***@***.com"}


def test_the_logger_never_writes_an_address_in_clear():
    stream = io.StringIO()
    logger = make_logger("redaction-test")
    logger.registered_handler.setStream(stream)  # the JSON handler Powertools installed
    logger.info(
        "sending to jane.doe@example.com", extra={"phone": "+14255550100", "nested": {"cc": ["b@x.org"]}}
    )
    logger.warning({"recipient": "(202) 555-0191"})
    written = stream.getvalue()
    for secret in ("jane.doe@example.com", "4255550100", "b@x.org", "555-0191"):
        assert secret not in written
    lines = [json.loads(line) for line in written.splitlines()]
    assert lines[0]["message"] == "sending to j***@***.com"
    assert lines[0]["phone"] == "+*********00"
    assert lines[0]["service"] == "redaction-test"
