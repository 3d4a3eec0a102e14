"""Amazon Connect as a campaign channel (A24): a custom channel (the campaign's
`CustomDeliveryConfiguration.DeliveryUri` names the function) that places one outbound call per
endpoint of the batch with StartOutboundVoiceContact, into the configured instance, queue and
contact flow. The contact flow gets the campaign's custom data as `Message` and the endpoint's
attributes (`Attributes.<name>`, their values joined with commas) to speak or route on.

Only numbers that may be called are: an endpoint that is not a phone endpoint, is inactive, opted
out (OptOut ALL, or a VOICE opt-out in the consent store) or suppressed is skipped with the reason.
Calls are paced under `calls_per_second` (Connect's outbound quota); each carries a ClientToken made
of the run and the endpoint, so a batch delivered again places no second call. Every call placed,
refused or skipped is an event (`_connect.call_started`, `_connect.call_failed`,
`_connect.call_skipped`) with a stable id. A throttled call is tried again with backoff; a batch
that runs out of retries fails, and its sender tries it again (the tokens keep that safe)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.errors import DeliveryRefusedError, ThrottledError, ValidationError
from engage.events import Event
from engage.messages.eligibility import ConsentReader, SuppressionReader, skip_reason
from engage.retry import Backoff

PHONE_CHANNELS = ("SMS", "VOICE")
MAX_ATTRIBUTES_BYTES = 32 * 1024  # Connect's limit on a contact's attributes


@dataclass(frozen=True)
class ConnectSettings:
    instance_id: str
    contact_flow_id: str
    queue_id: str = ""
    source_phone_number: str = ""
    calls_per_second: float = 1.0

    def __post_init__(self) -> None:
        if not self.instance_id or not self.contact_flow_id:
            raise ValidationError("ConnectInstanceId", "the Connect instance and contact flow are required")
        if self.calls_per_second <= 0:
            raise ValidationError("ConnectCallsPerSecond", "must be positive")


class Calls(Protocol):
    def start_call(self, request: Mapping[str, Any]) -> str:
        """Places the call; its ContactId. ThrottledError when Connect throttles, DeliveryRefusedError
        when it refuses this number."""
        ...


@dataclass
class Outcome:
    placed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # endpoint id: reason
    skipped: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


def client_token(payload: Mapping[str, Any], endpoint_id: str) -> str:
    """The call's idempotency token: one call per run and endpoint, however often it is delivered."""
    key = "\n".join(str(payload.get(k, "")) for k in ("ApplicationId", "CampaignId", "ActivityId"))
    return hashlib.sha256(f"{key}\n{endpoint_id}".encode()).hexdigest()[:64]


def contact_attributes(message: str, endpoint_id: str, endpoint: Mapping[str, Any]) -> dict[str, str]:
    attributes = {"Message": message, "EndpointId": endpoint_id}
    for name, values in (endpoint.get("Attributes") or {}).items():
        attributes[f"Attributes.{name}"] = ",".join(str(v) for v in values)
    if sum(len(k) + len(v) for k, v in attributes.items()) > MAX_ATTRIBUTES_BYTES:
        raise ValidationError("Attributes", f"the contact's attributes exceed {MAX_ATTRIBUTES_BYTES} bytes")
    return attributes


@dataclass
class ConnectChannel:
    settings: ConnectSettings
    calls: Calls
    consent: ConsentReader
    suppressions: SuppressionReader
    backoff: Backoff = field(default_factory=Backoff)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def deliver(self, payload: Mapping[str, Any]) -> Outcome:
        endpoints = payload.get("Endpoints")
        if not isinstance(endpoints, Mapping):
            raise ValidationError(
                "Endpoints", "the custom delivery payload carries the batch's Endpoints map"
            )
        app_id = str(payload.get("ApplicationId") or "")
        outcome = Outcome()
        next_call = self.clock()
        for endpoint_id, endpoint in endpoints.items():
            reason = self._skip(app_id, endpoint)
            if reason:
                outcome.skipped[endpoint_id] = reason
                outcome.events.append(
                    self._event(payload, endpoint_id, "_connect.call_skipped", reason=reason)
                )
                continue
            wait = next_call - self.clock()
            if wait > 0:
                self.sleep(wait)
            next_call = max(next_call, self.clock()) + 1 / self.settings.calls_per_second
            try:
                contact_id = self._call(payload, endpoint_id, endpoint)
            except DeliveryRefusedError as exc:
                outcome.failed[endpoint_id] = exc.code
                outcome.events.append(
                    self._event(payload, endpoint_id, "_connect.call_failed", reason=exc.code)
                )
                continue
            outcome.placed.append(endpoint_id)
            outcome.events.append(
                self._event(payload, endpoint_id, "_connect.call_started", contact_id=contact_id)
            )
        return outcome

    def _skip(self, app_id: str, endpoint: Mapping[str, Any]) -> str | None:
        if endpoint.get("ChannelType") not in PHONE_CHANNELS:
            return "NOT_A_PHONE_ENDPOINT"
        # A call is a voice message: the number's VOICE consent is what counts.
        skip = skip_reason(app_id, {**endpoint, "ChannelType": "VOICE"}, self.consent, self.suppressions)
        return skip.reason if skip else None

    def _call(self, payload: Mapping[str, Any], endpoint_id: str, endpoint: Mapping[str, Any]) -> str:
        request: dict[str, Any] = {
            "DestinationPhoneNumber": endpoint["Address"],
            "ContactFlowId": self.settings.contact_flow_id,
            "InstanceId": self.settings.instance_id,
            "ClientToken": client_token(payload, endpoint_id),
            "Attributes": contact_attributes(str(payload.get("Data") or ""), endpoint_id, endpoint),
        }
        if self.settings.queue_id:
            request["QueueId"] = self.settings.queue_id
        if self.settings.source_phone_number:
            request["SourcePhoneNumber"] = self.settings.source_phone_number
        for attempt in range(self.backoff.max_attempts):
            try:
                return self.calls.start_call(request)
            except ThrottledError:
                if attempt + 1 >= self.backoff.max_attempts:
                    raise
                self.backoff.wait(attempt)
        raise AssertionError("unreachable")

    def _event(self, payload: Mapping[str, Any], endpoint_id: str, kind: str, **attributes: str) -> Event:
        token = client_token(payload, endpoint_id)
        return Event(
            kind,
            str(payload.get("ApplicationId")),
            endpoint_id,
            attributes={
                "campaign_id": str(payload.get("CampaignId", "")),
                "campaign_activity_id": str(payload.get("ActivityId", "")),
                "treatment_id": str(payload.get("TreatmentId", "")),
                **attributes,
            },
            event_id=hashlib.sha256(f"{token}:{kind}".encode()).hexdigest()[:32],
        )
