"""The SES v2 raw-email adapter against botocore's model (Stubber checks the request shape)."""

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.ses.email import SesEmailSender, tag_value
from engage.errors import DeliveryRefusedError, HeldError, ThrottledError
from engage.sending.mime import build_email

RAW = build_email("news@example.com", "ana@example.org", "Hello", text="Hi Ana")


@pytest.fixture
def stubbed():
    client = boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield SesEmailSender(client, "engage-app-1"), stubber
        stubber.assert_no_pending_responses()


def test_the_bytes_built_are_the_bytes_sent_with_the_configuration_set_and_tags(stubbed):
    sender, stubber = stubbed
    stubber.add_response(
        "send_email",
        {"MessageId": "0100-abc"},
        {
            "FromEmailAddress": "news@example.com",
            "Destination": {"ToAddresses": ["ana@example.org"]},
            "Content": {"Raw": {"Data": RAW}},
            "EmailTags": [
                {"Name": "campaign_id", "Value": "spring_sale"},
                {"Name": "endpoint_id", "Value": "ep-1"},
            ],
            "ConfigurationSetName": "engage-app-1",
        },
    )
    assert (
        sender.send(
            RAW, "news@example.com", "ana@example.org", {"campaign_id": "spring sale", "endpoint_id": "ep-1"}
        )
        == "0100-abc"
    )


@pytest.mark.parametrize(
    ("code", "raised"),
    [
        ("TooManyRequestsException", ThrottledError),
        ("LimitExceededException", ThrottledError),
        ("MessageRejected", DeliveryRefusedError),
        ("MailFromDomainNotVerifiedException", DeliveryRefusedError),
        ("AccountSuspendedException", DeliveryRefusedError),
    ],
)
def test_throttling_is_told_from_refusal_by_error_code(stubbed, code, raised):
    sender, stubber = stubbed
    stubber.add_client_error("send_email", service_error_code=code, service_message="no")
    with pytest.raises(raised, match=code):
        sender.send(RAW, "news@example.com", "ana@example.org")


def test_paused_sending_holds_the_message_for_later(stubbed):
    sender, stubber = stubbed
    stubber.add_client_error(
        "send_email", service_error_code="SendingPausedException", service_message="paused"
    )
    with pytest.raises(HeldError, match="SendingPausedException") as held:
        sender.send(RAW, "news@example.com", "ana@example.org")
    assert held.value.paused and held.value.retry_after == 900


def test_tag_values_are_made_safe_for_ses():
    assert tag_value("spring sale/2026") == "spring_sale_2026"
    assert tag_value("") == "_" and len(tag_value("x" * 300)) == 256


def test_the_accounts_quota_becomes_the_governors_limits(stubbed):
    from engage.adapters.ses.email import account_limits

    sender, stubber = stubbed
    stubber.add_response(
        "get_account",
        {
            "SendingEnabled": True,
            "SendQuota": {"MaxSendRate": 14.0, "Max24HourSend": 50000.0, "SentLast24Hours": 49990.0},
        },
        {},
    )
    limits = account_limits(sender.client)
    assert (limits.rate, limits.burst, limits.daily_left) == (14.0, 1.0, 10.0)
    stubber.add_response(
        "get_account",
        {
            "SendingEnabled": False,
            "SendQuota": {"MaxSendRate": 14.0, "Max24HourSend": 50000.0, "SentLast24Hours": 0.0},
        },
        {},
    )
    assert account_limits(sender.client).daily_left == 0
