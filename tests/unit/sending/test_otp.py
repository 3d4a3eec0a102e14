"""One-time passwords (engage.sending.otp): checked as any transactional text is when it goes out,
each application's reference ids kept apart in the stack's project, and the surviving Pinpoint OTP
API called with botocore's shapes."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.pinpoint.otp import PinpointOtp
from engage.consent import consent_record
from engage.errors import ValidationError
from engage.sending.otp import OneTimePasswords, project_reference
from engage.suppression import suppression

from tests.support.fakes import MemoryConsent, MemorySuppressions

APP, OTHER = "a" * 32, "b" * 32
REQUEST = {
    "BrandName": "ExampleCorp",
    "Channel": "SMS",
    "DestinationIdentity": "+12065550142",
    "OriginationIdentity": "+18005550100",
    "ReferenceId": "login-42",
}


class Project:
    """The OTP API of one project: codes by reference and destination."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, request):
        self.sent.append(request)
        result = {"DeliveryStatus": "SUCCESSFUL", "StatusCode": 200, "MessageId": "m-1"}
        return {
            "ApplicationId": "push-project",
            "RequestId": "r",
            "Result": {request["DestinationIdentity"]: result},
        }

    def verify(self, request):
        return any(
            s["ReferenceId"] == request["ReferenceId"] and request["Otp"] == "123456" for s in self.sent
        )


def test_a_code_is_sent_under_the_applications_own_reference_and_verified_by_it():
    project = Project()
    otp = OneTimePasswords(project, MemoryConsent(), MemorySuppressions())
    answer = otp.send(APP, REQUEST)
    assert (
        answer["ApplicationId"] == APP and answer["Result"]["+12065550142"]["DeliveryStatus"] == "SUCCESSFUL"
    )
    assert project.sent[0]["ReferenceId"] == project_reference(APP, "login-42") != "login-42"
    check = {"DestinationIdentity": "+12065550142", "Otp": "123456", "ReferenceId": "login-42"}
    assert otp.verify(APP, check) == {"Valid": True}
    assert otp.verify(OTHER, check) == {"Valid": False}, "another application's reference is another"


def test_a_suppressed_or_opted_out_number_gets_no_code():
    project = Project()
    suppressed = MemorySuppressions(suppression(APP, "SMS", "+12065550142", "MANUAL", "support"))
    answer = OneTimePasswords(project, MemoryConsent(), suppressed).send(APP, REQUEST)
    assert answer["Result"]["+12065550142"]["DeliveryStatus"] == "PERMANENT_FAILURE"
    opted_out = MemoryConsent(consent_record(APP, "SMS", "+12065550142", "OPTED_OUT", "sms-keyword"))
    answer = OneTimePasswords(project, opted_out, MemorySuppressions()).send(APP, REQUEST)
    assert answer["Result"]["+12065550142"]["DeliveryStatus"] == "OPT_OUT"
    assert project.sent == []
    allowed = OneTimePasswords(project, opted_out, MemorySuppressions(), transactional_after_opt_out=True)
    assert allowed.send(APP, REQUEST)["Result"]["+12065550142"]["DeliveryStatus"] == "SUCCESSFUL"


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({**REQUEST, "Channel": "EMAIL"}, "SendOTPMessageRequestParameters.Channel"),
        ({**REQUEST, "BrandName": " "}, "SendOTPMessageRequestParameters.BrandName"),
    ],
)
def test_a_request_pinpoint_would_refuse_is_refused(request_body, field):
    with pytest.raises(ValidationError) as refused:
        OneTimePasswords(Project(), MemoryConsent(), MemorySuppressions()).send(APP, request_body)
    assert refused.value.field == field


def test_a_stack_without_a_project_says_so():
    with pytest.raises(ValidationError, match="PushProjectId"):
        OneTimePasswords(None, MemoryConsent(), MemorySuppressions()).send(APP, REQUEST)


def test_the_adapter_calls_the_surviving_otp_api():
    client = boto3.client("pinpoint", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "send_otp_message",
            {"MessageResponse": {"ApplicationId": "push-project", "Result": {}}},
            {"ApplicationId": "push-project", "SendOTPMessageRequestParameters": REQUEST},
        )
        check = {"DestinationIdentity": "+12065550142", "Otp": "123456", "ReferenceId": "r"}
        stub.add_response(
            "verify_otp_message",
            {"VerificationResponse": {"Valid": True}},
            {"ApplicationId": "push-project", "VerifyOTPMessageRequestParameters": check},
        )
        stub.add_client_error("send_otp_message", "BadRequestException", "BrandName is too long", 400)
        api = PinpointOtp(client, "push-project")
        assert api.send(REQUEST)["ApplicationId"] == "push-project"
        assert api.verify(check) is True
        with pytest.raises(ValidationError, match="too long"):
            api.send(REQUEST)
