"""One-time passwords through a real boto3 pinpoint client on the local stack: the code is texted
by the push project's OTP API (emulated with Pinpoint's semantics), verifies once, and is refused
after its allowed attempts or its validity."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engage_local.api import wait_until

pytestmark = pytest.mark.e2e


def otp_request(number, reference, **extra):
    return {
        "BrandName": "ExampleCorp",
        "Channel": "SMS",
        "DestinationIdentity": number,
        "OriginationIdentity": "+18005550100",
        "ReferenceId": reference,
        **extra,
    }


def code_texted(local_stack, number):
    """The code in the last text the recipient got, as they read it."""
    texts = []

    def arrived():
        texts[:] = [
            e
            for e in local_stack.emulated.outbox.entries("pinpoint", "OTP delivery")
            if e["request"]["DestinationPhoneNumber"] == number
        ]
        return texts

    assert wait_until(arrived, 10, 0.1)
    body = texts[-1]["request"]["MessageBody"]
    return re.fullmatch(r"This is your One Time Password: (\d+) from ExampleCorp", body).group(1)


def test_a_code_is_sent_verified_once_and_refused_after_its_attempts_or_its_time(
    pinpoint, new_app, local_stack
):
    app, number = new_app("otp"), "+12065550143"

    def verify(reference, code):
        answer = pinpoint.verify_otp_message(
            ApplicationId=app,
            VerifyOTPMessageRequestParameters={
                "DestinationIdentity": number,
                "Otp": code,
                "ReferenceId": reference,
            },
        )
        return answer["VerificationResponse"]["Valid"]

    sent = pinpoint.send_otp_message(
        ApplicationId=app, SendOTPMessageRequestParameters=otp_request(number, "login-1", CodeLength=7)
    )["MessageResponse"]
    assert sent["ApplicationId"] == app and sent["Result"][number]["DeliveryStatus"] == "SUCCESSFUL"
    code = code_texted(local_stack, number)
    assert len(code) == 7
    assert verify("login-1", code) is True
    assert verify("login-1", code) is False, "a code verifies once"

    pinpoint.send_otp_message(
        ApplicationId=app, SendOTPMessageRequestParameters=otp_request(number, "login-2", AllowedAttempts=2)
    )
    code = code_texted(local_stack, number)
    wrong = str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
    assert verify("login-2", wrong) is False and verify("login-2", wrong) is False
    assert verify("login-2", code) is False, "refused after its allowed attempts"

    pinpoint.send_otp_message(
        ApplicationId=app, SendOTPMessageRequestParameters=otp_request(number, "login-3", ValidityPeriod=5)
    )
    code = code_texted(local_stack, number)
    local_stack.clock.set(local_stack.clock.now() + timedelta(minutes=6))
    assert verify("login-3", code) is False, "expired after its validity period"


def test_no_code_goes_to_a_number_that_opted_out(pinpoint, new_app, local_stack):
    from engage.adapters.dynamodb.consent import DynamoConsentStore
    from engage.consent import consent_record

    app, number = new_app("otp-out"), "+12065550144"
    consent = DynamoConsentStore(
        local_stack.stacks["engage"].outputs["ConsentTableName"], local_stack.client("dynamodb")
    )
    consent.record(consent_record(app, "SMS", number, "OPTED_OUT", "sms-keyword"))
    answer = pinpoint.send_otp_message(
        ApplicationId=app, SendOTPMessageRequestParameters=otp_request(number, "login-1")
    )["MessageResponse"]
    assert answer["Result"][number]["DeliveryStatus"] == "OPT_OUT"
    assert not [
        e
        for e in local_stack.emulated.outbox.entries("pinpoint", "OTP delivery")
        if e["request"]["DestinationPhoneNumber"] == number
    ]
