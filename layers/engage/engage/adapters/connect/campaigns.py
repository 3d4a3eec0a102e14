"""A journey's contact center activity, as Pinpoint performed it: each participant's phone number is
put into the Amazon Connect outbound campaign the journey names (`JourneyChannelSettings.
ConnectCampaignArn`, Amazon Connect Outbound Campaigns' PutDialRequestBatch), as the role it names
(`ConnectCampaignExecutionRoleArn`, assumed with STS; its credentials are kept until shortly before
they expire).

Connect's answers are sorted as the send path needs them: a throttled or transiently failed request
(or one dial request answered RequestThrottled) raises ThrottledError and is tried again; a
request Connect refused for this number (InvalidInput) raises DeliveryRefusedError, as does any
answer that retrying cannot change (the role can't be assumed, the campaign is missing or not
running, access denied). A dial request answered UnknownError was not queued: NotSentError, retried
with the same clientToken, which Connect dedupes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from engage.adapters.channel_errors import channel_error
from engage.adapters.dynamodb import error_code
from engage.adapters.sts.role_clients import RoleClients
from engage.errors import DeliveryRefusedError, NotSentError, ThrottledError
from engage.retry import THROTTLING_CODES, TRANSIENT_CODES
from engage.roles import ROLE_ARN
from engage.sending.contact_center import CAMPAIGN_ARN

SESSION_NAME = "engage-contact-center"


def campaign_id(campaign_arn: str) -> str:
    match = CAMPAIGN_ARN.match(campaign_arn or "")
    if not match:
        raise DeliveryRefusedError("INVALID_CAMPAIGN", "ConnectCampaignArn is not an outbound campaign's ARN")
    return match.group(1)


class ConnectCampaignDialer:
    """`roles`: Connect Outbound Campaigns clients ("connectcampaigns") signed as the journey's role
    (without botocore's retries: the send path backs off)."""

    def __init__(self, roles: RoleClients) -> None:
        self.roles = roles

    def dial(
        self,
        campaign_arn: str,
        role_arn: str,
        phone_number: str,
        attributes: Mapping[str, str],
        client_token: str,
        expires: datetime,
    ) -> str:
        """Queues one dial request; the id Connect gave it."""
        campaign = campaign_id(campaign_arn)
        request = {
            "clientToken": client_token,
            "phoneNumber": phone_number,
            "expirationTime": expires,
            "attributes": dict(attributes),
        }
        try:
            answer = self._client(role_arn).put_dial_request_batch(id=campaign, dialRequests=[request])
        except ParamValidationError as exc:
            raise DeliveryRefusedError("InvalidInput", str(exc)) from exc
        except ClientError as exc:
            raise channel_error(exc, "PutDialRequestBatch", {"InternalServerException"}) from exc
        for placed in answer.get("successfulRequests") or []:
            if placed.get("clientToken") == client_token:
                return str(placed.get("id") or client_token)
        failure = next(
            (f for f in answer.get("failedRequests") or [] if f.get("clientToken") == client_token), {}
        )
        code = failure.get("failureCode") or "UnknownError"
        if code == "RequestThrottled":
            raise ThrottledError("PutDialRequestBatch: RequestThrottled")
        if code == "InvalidInput":
            raise DeliveryRefusedError("InvalidInput", "Connect refused the dial request")
        raise NotSentError(f"PutDialRequestBatch: {code}")

    def _client(self, role_arn: str) -> Any:
        if not ROLE_ARN.match(role_arn or ""):
            raise DeliveryRefusedError("INVALID_ROLE", "ConnectCampaignExecutionRoleArn is not a role's ARN")
        try:
            return self.roles.client("connectcampaigns", role_arn)
        except ClientError as exc:
            code = error_code(exc)
            if code in THROTTLING_CODES or code in TRANSIENT_CODES:
                raise ThrottledError(f"AssumeRole: {code}") from exc
            message = exc.response.get("Error", {}).get("Message", "")
            raise DeliveryRefusedError("ROLE_NOT_ASSUMED", f"{code}: {message}") from exc
