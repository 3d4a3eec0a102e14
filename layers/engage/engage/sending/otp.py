"""SendOTPMessage and VerifyOTPMessage: one-time passwords generated, texted and verified by the
surviving Pinpoint OTP API, in the stack's push project (the same project as push), as Pinpoint
did them.

Each application's reference ids are its own: the project is the stack's, so a reference is passed
on as a digest of the application and the reference the caller gave. Before a code is sent, the
destination is checked as any transactional text is when it goes out: a suppressed number is
refused (PERMANENT_FAILURE), an opted-out one too (OPT_OUT) unless the application sends
transactional messages after an opt-out. What Pinpoint's OTP API refuses comes back as its error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage.errors import ValidationError
from engage.sending.eligibility import ConsentReader, SuppressionReader, skip_reason

SEND_REQUIRED = ("BrandName", "Channel", "DestinationIdentity", "OriginationIdentity", "ReferenceId")
VERIFY_REQUIRED = ("DestinationIdentity", "Otp", "ReferenceId")


class OtpApi(Protocol):
    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        """SendOTPMessage in the project: its MessageResponse."""
        ...

    def verify(self, request: dict[str, Any]) -> bool:
        """VerifyOTPMessage in the project: whether the code is valid."""
        ...


def project_reference(app_id: str, reference: str) -> str:
    """The reference the project keeps for an application's own reference id."""
    return hashlib.sha256(f"{app_id}\n{reference}".encode()).hexdigest()[:32]


@dataclass
class OneTimePasswords:
    api: OtpApi | None  # None: the stack has no push project (PushProjectId)
    consent: ConsentReader
    suppressions: SuppressionReader
    transactional_after_opt_out: bool = False

    def send(self, app_id: str, request: Any) -> dict[str, Any]:
        """SendOTPMessage: Pinpoint's MessageResponse, the destination's result in `Result`."""
        checked = _checked(request, "SendOTPMessageRequestParameters", SEND_REQUIRED)
        if checked["Channel"].upper() != "SMS":
            raise ValidationError("SendOTPMessageRequestParameters.Channel", "only SMS is supported")
        destination = checked["DestinationIdentity"]
        recipient = {"ChannelType": "SMS", "Address": destination}
        skip = skip_reason(
            app_id,
            recipient,
            self.consent,
            self.suppressions,
            transactional=True,
            transactional_after_opt_out=self.transactional_after_opt_out,
        )
        if skip is not None:
            status = "OPT_OUT" if skip.reason == "OPTED_OUT" else "PERMANENT_FAILURE"
            result = {
                "DeliveryStatus": status,
                "StatusCode": 400,
                "StatusMessage": f"{skip.reason}: {skip.detail}",
            }
            return {"ApplicationId": app_id, "Result": {destination: result}}
        answer = self._api().send(
            {**checked, "ReferenceId": project_reference(app_id, checked["ReferenceId"])}
        )
        return {**answer, "ApplicationId": app_id}

    def verify(self, app_id: str, request: Any) -> dict[str, Any]:
        """VerifyOTPMessage: Pinpoint's VerificationResponse."""
        checked = _checked(request, "VerifyOTPMessageRequestParameters", VERIFY_REQUIRED)
        forwarded = {**checked, "ReferenceId": project_reference(app_id, checked["ReferenceId"])}
        return {"Valid": self._api().verify(forwarded)}

    def _api(self) -> OtpApi:
        if self.api is None:
            raise ValidationError(
                "ApplicationId", "this stack sends no one-time passwords (no PushProjectId)"
            )
        return self.api


def _checked(request: Any, shape: str, required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(request, Mapping):
        raise ValidationError(shape, "must be an object")
    for name in required:
        if not isinstance(request.get(name), str) or not request[name].strip():
            raise ValidationError(f"{shape}.{name}", "is required")
    return dict(request)
