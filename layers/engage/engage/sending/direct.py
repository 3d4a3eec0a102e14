"""Pinpoint's direct sends, SendMessages (to addresses and endpoints) and SendUsersMessages (to every
endpoint of some users): transactional, sent before the call answers, through the same sender,
ledger, governor, archive and events as campaigns (which keep the send queue).

Each recipient's answer is Pinpoint's: SUCCESSFUL (StatusCode 200, `StatusMessage: "MessageId:
<id>"`) only when SES, End User Messaging or the push API accepted the message, the MessageId being
the one the ledger and the message's events carry; THROTTLED when the channel's rate has no room
within a few seconds (send again later); OPT_OUT for an opted-out recipient; PERMANENT_FAILURE with
the reason for a message that can't be sent (suppressed, inactive or unknown recipient, no message
for its channel, a missing template, a refused message); TEMPORARY_FAILURE when the attempt failed
before the channel took it; UNKNOWN_FAILURE when it may have gone out and nobody knows (it is not
sent again). A `TraceId` is the request's id: a call retried with the same TraceId sends nothing
twice and is answered what the first call did.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engage import clock
from engage.errors import (
    EngageError,
    HeldError,
    LimitExceededError,
    NotFoundError,
    ThrottledError,
    ValidationError,
)
from engage.sending.eligibility import ConsentReader, SuppressionReader, skip_reason
from engage.sending.ledger import Status
from engage.sending.request import SendRequest
from engage.sending.sender import SendResult

MAX_RECIPIENTS = 100  # Pinpoint: addresses and endpoints per SendMessages, users per SendUsersMessages
WAIT_SECONDS = 5.0  # how long a direct send waits for the rate's room before it answers THROTTLED
MAX_USER_ENDPOINTS = 15
TEMPLATE_KEYS = {"EMAIL": "EmailTemplate", "SMS": "SMSTemplate", "VOICE": "VoiceTemplate"}
MESSAGE_KEYS = {"EMAIL": "EmailMessage", "SMS": "SMSMessage", "VOICE": "VoiceMessage"}


class EndpointLookup(Protocol):
    def get(self, app_id: str, endpoint_id: str) -> Mapping[str, Any]: ...
    def get_user_endpoints(self, app_id: str, user: str) -> list[Mapping[str, Any]]: ...


class SendNow(Protocol):
    def send_batch(self, requests: Sequence[SendRequest], deadline: float) -> list[SendResult]:
        """Each request's result (in any order): settled, or failed with the reason."""
        ...


@dataclass(frozen=True)
class Planned:
    """One recipient of a direct send: the request to queue, or the answer without queueing."""

    send: SendRequest | None
    answer: dict[str, Any] | None = None
    address: str | None = None  # reported in EndpointResult


@dataclass
class DirectSends:
    endpoints: EndpointLookup
    consent: ConsentReader
    suppressions: SuppressionReader
    sender: SendNow
    pseudonym: Callable[[str, str, str], str]  # (application, channel, address): address_recipient
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex
    clock: Callable[[], float] = clock.time
    wait_seconds: float = WAIT_SECONDS

    def send_messages(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """SendMessages: the MessageResponse."""
        request_id = self._request_id(request)
        addresses = _mapping(request.get("Addresses"), "Addresses")
        endpoints = _mapping(request.get("Endpoints"), "Endpoints")
        if not addresses and not endpoints:
            raise ValidationError("Addresses", "give Addresses or Endpoints to send to")
        if len(addresses) + len(endpoints) > MAX_RECIPIENTS:
            raise LimitExceededError(
                "Addresses", f"at most {MAX_RECIPIENTS} addresses and endpoints per request"
            )
        planned: list[tuple[tuple[str, str], Planned]] = []
        for address, config in addresses.items():
            config = _mapping(config, f"Addresses.{address}")
            channel = _channel(config.get("ChannelType"), f"Addresses.{address}.ChannelType")
            if not _wanted(request, channel):  # as for an endpoint of that channel
                planned.append((("address", address), Planned(None, _missing(channel))))
                continue
            send = self._request(app_id, request_id, request, channel, config, address=address)
            planned.append(
                (("address", address), self._checked(send, {"Address": address, "ChannelType": channel}))
            )
        for endpoint_id, config in endpoints.items():
            planned.append(
                (
                    ("endpoint", endpoint_id),
                    self._for_endpoint(app_id, request_id, request, endpoint_id, config),
                )
            )
        results = self._send(planned)
        response: dict[str, Any] = {"ApplicationId": app_id, "RequestId": request_id}
        address_results = {key[1]: r for key, r in results.items() if key[0] == "address"}
        endpoint_results = {key[1]: r for key, r in results.items() if key[0] == "endpoint"}
        if address_results:
            response["Result"] = address_results
        if endpoint_results:
            response["EndpointResult"] = endpoint_results
        return response

    def send_users_messages(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """SendUsersMessages: the SendUsersMessageResponse (per user, per endpoint)."""
        request_id = self._request_id(request)
        users = _mapping(request.get("Users"), "Users")
        if not users:
            raise ValidationError("Users", "give the users to send to")
        if len(users) > MAX_RECIPIENTS:
            raise LimitExceededError("Users", f"at most {MAX_RECIPIENTS} users per request")
        planned: list[tuple[tuple[str, str], Planned]] = []
        for user, config in users.items():
            for endpoint in self.endpoints.get_user_endpoints(app_id, user)[:MAX_USER_ENDPOINTS]:
                if endpoint.get("ChannelType") in MESSAGE_KEYS and _wanted(request, endpoint["ChannelType"]):
                    planned.append(
                        (
                            (user, endpoint["Id"]),
                            self._for_endpoint(app_id, request_id, request, endpoint["Id"], config, endpoint),
                        )
                    )
        results = self._send(planned)
        by_user: dict[str, dict[str, Any]] = {user: {} for user in users}
        for (user, endpoint_id), result in results.items():
            by_user[user][endpoint_id] = result
        return {"ApplicationId": app_id, "RequestId": request_id, "Result": by_user}

    # --- planning ------------------------------------------------------------------------------
    def _for_endpoint(
        self,
        app_id: str,
        request_id: str,
        request: Mapping[str, Any],
        endpoint_id: str,
        config: Any,
        endpoint: Mapping[str, Any] | None = None,
    ) -> Planned:
        config = _mapping(config, f"Endpoints.{endpoint_id}")
        if endpoint is None:
            try:
                endpoint = self.endpoints.get(app_id, endpoint_id)
            except NotFoundError:
                return Planned(
                    None, _answer("PERMANENT_FAILURE", 404, "ENDPOINT_NOT_FOUND: the endpoint does not exist")
                )
        channel = endpoint.get("ChannelType")
        if channel not in MESSAGE_KEYS:
            return Planned(
                None, _answer("PERMANENT_FAILURE", 400, f"{channel} endpoints are not sent to here")
            )
        if not _wanted(request, channel):
            return Planned(None, _missing(channel), endpoint.get("Address"))
        send = self._request(app_id, request_id, request, channel, config, endpoint_id=endpoint_id)
        return self._checked(send, endpoint)

    def _request(
        self,
        app_id: str,
        request_id: str,
        request: Mapping[str, Any],
        channel: str,
        config: Mapping[str, Any],
        endpoint_id: str | None = None,
        address: str | None = None,
    ) -> SendRequest:
        configuration = _mapping(request.get("MessageConfiguration"), "MessageConfiguration")
        templates = _mapping(request.get("TemplateConfiguration"), "TemplateConfiguration")
        message = message_fields(
            channel, _mapping(configuration.get(MESSAGE_KEYS[channel]), MESSAGE_KEYS[channel])
        )
        template = _mapping(templates.get(TEMPLATE_KEYS[channel]), TEMPLATE_KEYS[channel])
        if template.get("Name") and not {"Subject", "HtmlPart", "TextPart", "Body"} & message.keys():
            message = {
                k: v for k, v in message.items() if k not in ("Subject", "HtmlPart", "TextPart", "Body")
            }
            message["TemplateName"] = template["Name"]
            if template.get("Version"):
                message["TemplateVersion"] = str(template["Version"])
        if config.get("BodyOverride"):
            message["TextPart" if channel == "EMAIL" else "Body"] = config["BodyOverride"]
            message.pop("TemplateName", None)
            message.pop("TemplateVersion", None)
        if config.get("TitleOverride") and channel == "EMAIL":
            message["Subject"] = config["TitleOverride"]
        substitutions = {
            **_mapping(configuration.get(MESSAGE_KEYS[channel], {}).get("Substitutions"), "Substitutions"),
            **_mapping(config.get("Substitutions"), "Substitutions"),
        }
        return SendRequest(
            app_id=app_id,
            request_id=request_id,
            channel=channel,
            message=message,
            endpoint_id=endpoint_id,
            address=address,
            recipient=self.pseudonym(app_id, channel, address) if address else None,
            transactional=True,
            substitutions=substitutions,
        )

    def _checked(self, send: SendRequest, endpoint: Mapping[str, Any]) -> Planned:
        address = endpoint.get("Address") if send.endpoint_id else None
        skip = skip_reason(send.app_id, endpoint, self.consent, self.suppressions, transactional=True)
        if skip is None:
            return Planned(send, address=address)
        status = "OPT_OUT" if skip.reason == "OPTED_OUT" else "PERMANENT_FAILURE"
        return Planned(None, _answer(status, 400, f"{skip.reason}: {skip.detail}"), address)

    def _send(self, planned: list[tuple[tuple[str, str], Planned]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Sends what may be sent, now; every recipient's answer, keyed as planned."""
        sends = [item.send for _key, item in planned if item.send is not None]
        deadline = self.clock() + self.wait_seconds
        settled = {id(r.request): r for r in self.sender.send_batch(sends, deadline)} if sends else {}
        results: dict[tuple[str, str], dict[str, Any]] = {}
        for key, item in planned:
            answer = dict(item.answer or {}) if item.send is None else answer_of(settled[id(item.send)])
            if item.address is not None:
                answer["Address"] = item.address
            results[key] = answer
        return results

    def _request_id(self, request: Mapping[str, Any]) -> str:
        trace = request.get("TraceId")
        if trace is None:
            return self.new_id()
        if not isinstance(trace, str) or not trace or len(trace) > 128 or "#" in trace:
            raise ValidationError("TraceId", "must be at most 128 characters without '#'")
        return trace


def message_fields(channel: str, message: Mapping[str, Any]) -> dict[str, Any]:
    """A Pinpoint EmailMessage, SMSMessage or VoiceMessage as the send queue's message fields."""
    if channel == "EMAIL":
        simple = _mapping(message.get("SimpleEmail"), "EmailMessage.SimpleEmail")
        fields = {
            "Subject": (simple.get("Subject") or {}).get("Data"),
            "HtmlPart": (simple.get("HtmlPart") or {}).get("Data"),
            "TextPart": (simple.get("TextPart") or {}).get("Data") or message.get("Body"),
            "FromAddress": message.get("FromAddress"),
        }
    else:
        fields = {
            name: message.get(name) for name in ("Body", "OriginationNumber", "VoiceId", "LanguageCode")
        }
        if channel == "SMS":
            fields["MessageType"] = message.get("MessageType")
    return {k: v for k, v in fields.items() if v}


def _wanted(request: Mapping[str, Any], channel: str) -> bool:
    configuration = request.get("MessageConfiguration") or {}
    templates = request.get("TemplateConfiguration") or {}
    return bool(
        configuration.get(MESSAGE_KEYS[channel]) or (templates.get(TEMPLATE_KEYS[channel]) or {}).get("Name")
    )


OPERATIONS = {"SendMessages": "send_messages", "SendUsersMessages": "send_users_messages"}


def run_direct_send(direct: DirectSends, event: Mapping[str, Any]) -> dict[str, Any]:
    """The direct send function's use case: one operation on one application, as the API asks."""
    operation = OPERATIONS.get(str(event.get("Operation")))
    if operation is None:
        raise ValidationError("Operation", f"must be one of {', '.join(OPERATIONS)}")
    app_id, request = event.get("ApplicationId"), event.get("Request")
    if not isinstance(app_id, str) or not isinstance(request, Mapping):
        raise ValidationError("Request", "give the ApplicationId and the request document")
    return getattr(direct, operation)(app_id, request)


def answer_error(error: EngageError) -> dict[str, Any]:
    """A refused request as the API passes it on: its Pinpoint error type and message."""
    return {"Error": {"Type": error.pinpoint_type, "Message": str(error)}}


def answer_of(result: SendResult) -> dict[str, Any]:
    """Pinpoint's MessageResult for what the sender did with one recipient."""
    outcome = result.outcome
    if outcome is None:
        if isinstance(result.error, HeldError) and result.error.paused:
            return _answer(
                "TEMPORARY_FAILURE", 503, f"the channel paused sending; send again later ({result.error})"
            )
        if isinstance(result.error, ThrottledError):
            return _answer(
                "THROTTLED", 429, f"the channel's rate is used up; send again later ({result.error})"
            )
        return _answer("TEMPORARY_FAILURE", 500, f"not sent; send again ({type(result.error).__name__})")
    if outcome.status == Status.SENT:
        return {
            **_answer("SUCCESSFUL", 200, f"MessageId: {outcome.message_id}"),
            "MessageId": outcome.message_id,
        }
    if outcome.status == Status.REFUSED:
        status = "OPT_OUT" if outcome.reason == "OPTED_OUT" else "PERMANENT_FAILURE"
        return _answer(status, 400, outcome.detail or outcome.reason or "refused")
    return _answer(
        "UNKNOWN_FAILURE",
        500,
        f"{outcome.reason or outcome.status.value}: it may have been sent; not sent again",
    )


def _missing(channel: str) -> dict[str, Any]:
    return _answer("PERMANENT_FAILURE", 400, f"the request has no {MESSAGE_KEYS[channel]} or template for it")


def _answer(status: str, code: int, message: str) -> dict[str, Any]:
    return {"DeliveryStatus": status, "StatusCode": code, "StatusMessage": message}


def _channel(value: object, field: str) -> str:
    if value not in MESSAGE_KEYS:
        raise ValidationError(
            field, f"must be one of {', '.join(MESSAGE_KEYS)} (push goes through the push channels)"
        )
    return str(value)


def _mapping(value: object, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(field, "must be an object")
    return value
