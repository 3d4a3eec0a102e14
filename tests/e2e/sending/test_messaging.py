"""Sending, as far as it exists: an email built as MIME and sent through the local stack's SES v2
arrives as exactly the bytes built (what the archive will keep), and SES's throttling is told
apart from refusal."""

from __future__ import annotations

import base64

import pytest
from engage.adapters.ses.email import SesEmailSender
from engage.errors import ThrottledError
from engage.sending.mime import build_email

pytestmark = pytest.mark.e2e


def test_the_outbox_receives_exactly_the_bytes_built(local_stack):
    raw = build_email(
        "news@example.com",
        "zoe@example.org",
        "Zoë, your offer",
        html="<p>Hi Zoë</p>",
        text="Hi Zoë",
        headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message_id = SesEmailSender(local_stack.client("sesv2")).send(
        raw, "news@example.com", "zoe@example.org", {"campaign_id": "c-1", "endpoint_id": "ep-1"}
    )
    (entry,) = [
        e
        for e in local_stack.emulated.outbox.entries("sesv2", "SendEmail")
        if e.get("response", {}).get("MessageId") == message_id
    ]
    data = entry["request"]["Content"]["Raw"]["Data"]
    assert (data if isinstance(data, bytes) else base64.b64decode(data)) == raw


def test_a_throttled_send_raises_throttled(local_stack, faults):
    from engage_local.state import local_clients

    faults({"service": "sesv2", "operation": "SendEmail", "kind": "throttle", "rate": 1.0})
    once = local_clients(local_stack.endpoint_url, local_stack.region, max_attempts=1).client("sesv2")
    raw = build_email("news@example.com", "zoe@example.org", "s", text="x")
    with pytest.raises(ThrottledError, match="TooManyRequestsException"):
        SesEmailSender(once).send(raw, "news@example.com", "zoe@example.org")


def test_sms_is_sent_and_an_opted_out_number_is_refused_by_reason(local_stack):
    from engage.adapters.sms_voice.text import SmsSettings, SmsVoiceSender
    from engage.errors import DeliveryRefusedError

    client = local_stack.client("pinpoint-sms-voice-v2")
    sender = SmsVoiceSender(client, SmsSettings())
    message_id = sender.send_text("+12065550610", "Your code is 123456", context={"endpoint_id": "ep-1"})
    (entry,) = [
        e
        for e in local_stack.emulated.outbox.entries("pinpoint-sms-voice-v2", "SendTextMessage")
        if e.get("response", {}).get("MessageId") == message_id
    ]
    assert entry["request"]["MessageBody"] == "Your code is 123456"
    assert entry["request"]["Context"] == {"endpoint_id": "ep-1"}
    client.put_opted_out_number(OptOutListName="Default", OptedOutNumber="+12065550611")
    with pytest.raises(DeliveryRefusedError) as refused:
        sender.send_text("+12065550611", "Promo", message_type="PROMOTIONAL")
    assert refused.value.code == "DESTINATION_PHONE_NUMBER_OPTED_OUT"


def test_the_governor_follows_the_local_accounts_ses_quota(local_stack):
    import random

    from engage.adapters.ses.email import account_limits
    from engage.retry import Backoff
    from engage.sending.governor import Governor

    from tests.support.fakes import MemoryBuckets

    ses = local_stack.client("sesv2")
    limits = account_limits(ses)
    assert limits.rate == ses.get_account()["SendQuota"]["MaxSendRate"] and limits.daily_left > 0
    governor = Governor(MemoryBuckets(), lambda _identity: limits, Backoff(rng=random.Random(0)))
    assert governor.take("ses:example.com", 10_000, now=0.0) == int(limits.burst)
