"""A journey's contact center activity on the send path: the participant's phone endpoint is queued
for a call in the journey's Amazon Connect outbound campaign (engage.adapters.connect.campaigns),
after the same checks as any message (consent, suppression, quiet time, open hours, caps).

The dial request carries the endpoint's id, the journey's and the activity's, and the endpoint's
attributes, for the campaign's contact flow to route on. Its client token is the send's key, so a
send tried again is one dial request; a request the campaign has not dialled within
`DIAL_EXPIRES_AFTER` expires rather than calling someone days later."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from engage.errors import DeliveryRefusedError
from engage.extensions.connect import contact_attributes
from engage.sending.request import SendRequest

CHANNEL = "CONTACT_CENTER"
PHONE_CHANNELS = ("SMS", "VOICE")  # the endpoints a contact center activity calls
DIAL_EXPIRES_AFTER = timedelta(days=1)
CAMPAIGN_ARN = re.compile(
    r"^arn:aws[a-z-]*:connect-campaigns:[a-z0-9-]+:\d{12}:campaign/([A-Za-z0-9-]{1,256})$"
)


class ContactCenter(Protocol):
    def dial(
        self,
        campaign_arn: str,
        role_arn: str,
        phone_number: str,
        attributes: Mapping[str, str],
        client_token: str,
        expires: datetime,
    ) -> str:
        """Queues the number in the campaign; the dial request's id. ThrottledError, NotSentError or
        DeliveryRefusedError as the send path sorts them."""
        ...


def dial_call(
    center: ContactCenter | None, request: SendRequest, endpoint: Mapping[str, Any], now: datetime
) -> Callable[[], str]:
    """The call that queues this send's dial request."""
    if center is None:
        raise DeliveryRefusedError("NO_CONTACT_CENTER", "this sender has no contact center channel")
    message = request.message
    attributes = contact_attributes(None, str(endpoint["Id"]), endpoint)
    attributes.update(
        {
            "JourneyId": request.context.get("journey_id", ""),
            "JourneyActivityId": request.context.get("journey_activity_id", ""),
        }
    )
    token = hashlib.sha256(request.key.encode()).hexdigest()[:64]
    return lambda: center.dial(
        str(message.get("ConnectCampaignArn") or ""),
        str(message.get("ConnectCampaignExecutionRoleArn") or ""),
        str(endpoint["Address"]),
        attributes,
        token,
        now + DIAL_EXPIRES_AFTER,
    )
