import pytest
from engage.addresses import ChannelType, address_key, check_address, parse_channel
from engage.errors import ValidationError


def test_unknown_channel_is_rejected_with_the_allowed_list():
    with pytest.raises(ValidationError) as caught:
        parse_channel("FAX")
    assert caught.value.field == "ChannelType"
    assert "unknown channel type 'FAX'" in caught.value.reason
    assert "EMAIL" in caught.value.reason


def test_channel_names_are_case_insensitive():
    assert parse_channel(" sms ") is ChannelType.SMS


@pytest.mark.parametrize("address", ["jane@example.com", "Jane.Doe+news@mail.example.co.uk", "a@b-c.io"])
def test_well_formed_emails_are_accepted(address):
    assert check_address(ChannelType.EMAIL, f"  {address} ") == address


@pytest.mark.parametrize(
    "address",
    [
        "jane",
        "jane@",
        "@example.com",
        "jane@example",
        "jane doe@example.com",
        "jane@@example.com",
        "jane@-example.com",
        "x" * 250 + "@example.com",
    ],
)
def test_malformed_emails_are_rejected(address):
    with pytest.raises(ValidationError, match="not a syntactically valid email address"):
        check_address(ChannelType.EMAIL, address)


@pytest.mark.parametrize("channel", [ChannelType.SMS, ChannelType.VOICE])
@pytest.mark.parametrize(
    "address", ["+14255550100", "(202) 555-0191", "605-555-0198", "(+351) 282 43 50 50", "14256791901"]
)
def test_phone_numbers_in_any_common_layout_pass_the_syntax_check(channel, address):
    assert check_address(channel, address) == address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("+1425555O100", "may hold only digits"),
        ("call me", "may hold only digits"),
        ("+1+4255550100", "may hold only digits"),
        ("12345", "this one has 5"),
        ("+1234567890123456", "this one has 16"),
        ("jane@example.com", "may hold only digits"),
    ],
)
def test_malformed_phone_numbers_are_rejected_with_the_reason(address, reason):
    with pytest.raises(ValidationError, match=reason):
        check_address(ChannelType.SMS, address)


def test_push_tokens_are_single_tokens():
    assert check_address(ChannelType.GCM, "token-abc:123") == "token-abc:123"
    with pytest.raises(ValidationError, match="one token without blanks"):
        check_address(ChannelType.APNS, "two tokens")


@pytest.mark.parametrize("address", [None, "", "   ", 42])
def test_a_missing_address_is_rejected(address):
    with pytest.raises(ValidationError, match="an address is required for channel EMAIL"):
        check_address(ChannelType.EMAIL, address)


def test_address_keys_ignore_case_for_email_and_layout_for_phones():
    assert address_key("EMAIL", " Jane.Doe@Example.COM ") == "jane.doe@example.com"
    assert address_key("SMS", "+1 (425) 555-0100") == address_key("VOICE", "+14255550100") == "+14255550100"
    assert address_key("SMS", "425.555.0100") == "4255550100"
    assert address_key("GCM", "Token") == "Token"


def test_a_plus_inside_a_parenthesis_still_marks_an_international_number():
    assert address_key("SMS", "(+351) 282 43 50 50") == "+351282435050"
