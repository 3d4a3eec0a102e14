"""Amazon Connect as a campaign channel (A24): a custom channel (the campaign's
`CustomDeliveryConfiguration.DeliveryUri` names the function) that places one outbound call per
endpoint of the batch with StartOutboundVoiceContact, into the configured instance, queue and
contact flow. The contact flow gets the campaign's custom data as `Message` and the endpoint's
attributes (`Attributes.<name>`, their values joined with commas) to speak or route on.

Only numbers that may be called are: an endpoint that is not a phone endpoint, is inactive, opted
out (OptOut ALL, or a VOICE opt-out in the consent store) or suppressed is skipped with the reason.
Calls are paced under `calls_per_second` (Connect's outbound quota). Each call is claimed in the send
ledger first (Connect's ClientToken, made of the run and the endpoint, only dedupes a call still in
progress), so a batch delivered again calls nobody twice. A throttled call is tried again with
backoff while the invocation's time allows; calls left when it runs out, or that fail, are reported
per endpoint. Every call placed, refused, failed or skipped is an event (`_connect.call_started`,
`_connect.call_failed`, `_connect.call_skipped`) with a stable id."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage import clock as engage_clock
from engage.errors import ValidationError
from engage.events import Event, EventStream, emit
from engage.retry import Backoff
from engage.sending.channel_sends import send_once
from engage.sending.eligibility import ConsentReader, SuppressionReader, skip_reason
from engage.sending.ledger import Ledger, Status

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


def claim_key(payload: Mapping[str, Any], endpoint_id: str) -> str:
    """The send ledger's key of one endpoint's call in one run."""
    run = "#".join(str(payload.get(k, "")) for k in ("ApplicationId", "CampaignId", "ActivityId"))
    return f"connect#{run}#{endpoint_id}"


def client_token(payload: Mapping[str, Any], endpoint_id: str) -> str:
    """The call's idempotency token: one call per run and endpoint, however often it is delivered."""
    key = "\n".join(str(payload.get(k, "")) for k in ("ApplicationId", "CampaignId", "ActivityId"))
    return hashlib.sha256(f"{key}\n{endpoint_id}".encode()).hexdigest()[:64]


def contact_attributes(message: str | None, endpoint_id: str, endpoint: Mapping[str, Any]) -> dict[str, str]:
    """The contact's attributes: the message (when there is one), the endpoint's id and attributes."""
    attributes = (
        {"EndpointId": endpoint_id} if message is None else {"Message": message, "EndpointId": endpoint_id}
    )
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
    ledger: Ledger
    backoff: Backoff = field(default_factory=Backoff)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic  # paces the calls
    wall_clock: Callable[[], float] = engage_clock.time  # the deadline and the ledger's claims

    def deliver(self, payload: Mapping[str, Any], deadline: float) -> Outcome:
        """Places the batch's calls until `deadline` (epoch seconds)."""
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
            wait = max(0.0, next_call - self.clock())
            if self.wall_clock() + wait >= deadline:
                self._failed(outcome, payload, endpoint_id, "OUT_OF_TIME")
                continue
            if wait:
                self.sleep(wait)
            next_call = max(next_call, self.clock()) + 1 / self.settings.calls_per_second
            request = self._request(payload, endpoint_id, endpoint)
            attempt = send_once(
                self.ledger,
                claim_key(payload, endpoint_id),
                lambda request=request: self.calls.start_call(request),
                deadline,
                self.backoff,
                self.wall_clock,
            )
            settled = attempt.outcome
            if settled is not None and settled.status == Status.SENT:
                outcome.placed.append(endpoint_id)
                started = self._event(
                    payload, endpoint_id, "_connect.call_started", contact_id=settled.message_id or ""
                )
                outcome.events.append(started)
            elif (
                settled is not None
            ):  # REFUSED (the number), or UNCERTAIN (an earlier delivery died mid-call)
                reason = settled.reason if settled.status == Status.REFUSED else "UNCERTAIN"
                self._failed(outcome, payload, endpoint_id, reason or "REFUSED")
            else:
                self._failed(outcome, payload, endpoint_id, attempt.failure or "NOT_SENT")
        return outcome

    def _failed(self, outcome: Outcome, payload: Mapping[str, Any], endpoint_id: str, reason: str) -> None:
        outcome.failed[endpoint_id] = reason
        outcome.events.append(self._event(payload, endpoint_id, "_connect.call_failed", reason=reason))

    def _skip(self, app_id: str, endpoint: Mapping[str, Any]) -> str | None:
        if endpoint.get("ChannelType") not in PHONE_CHANNELS:
            return "NOT_A_PHONE_ENDPOINT"
        # A call is a voice message: the number's VOICE consent is what counts.
        skip = skip_reason(app_id, {**endpoint, "ChannelType": "VOICE"}, self.consent, self.suppressions)
        return skip.reason if skip else None

    def _request(
        self, payload: Mapping[str, Any], endpoint_id: str, endpoint: Mapping[str, Any]
    ) -> dict[str, Any]:
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
        return request

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


@dataclass
class ConnectDelivery:
    """A campaign batch through the Connect channel: its calls placed, and every call placed,
    refused, failed or skipped put on the event stream before the batch is answered (a failed put
    fails the batch)."""

    channel: ConnectChannel
    events: EventStream

    def deliver(self, payload: Mapping[str, Any], deadline: float) -> Outcome:
        outcome = self.channel.deliver(payload, deadline)
        emit(outcome.events, self.events)
        return outcome
