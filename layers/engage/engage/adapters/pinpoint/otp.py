"""One-time passwords through the surviving Pinpoint OTP API (SendOTPMessage, VerifyOTPMessage) in
the stack's push project. Its refusals of a request (a bad brand name, code length, number) are the
caller's errors, with its message; throttling and failures propagate."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from engage.errors import ValidationError


class PinpointOtp:
    def __init__(self, client: Any, project_id: str) -> None:  # boto3 pinpoint
        self.client = client
        self.project_id = project_id

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self.client.send_otp_message(
                ApplicationId=self.project_id, SendOTPMessageRequestParameters=request
            )
        except ClientError as exc:
            raise _refused(exc) from None
        return dict(answer["MessageResponse"])

    def verify(self, request: dict[str, Any]) -> bool:
        try:
            answer = self.client.verify_otp_message(
                ApplicationId=self.project_id, VerifyOTPMessageRequestParameters=request
            )
        except ClientError as exc:
            raise _refused(exc) from None
        return bool(answer["VerificationResponse"].get("Valid"))


def _refused(exc: ClientError) -> Exception:
    error = exc.response.get("Error", {})
    if error.get("Code") == "BadRequestException":
        return ValidationError("SendOTPMessageRequestParameters", error.get("Message", "refused"))
    return exc
