"""Pinpoint's direct sends, SendMessages (to addresses and endpoints) and SendUsersMessages (to every
endpoint of some users), as send requests for the send queue: transactional, through the same
sender, ledger, governor and archive as campaigns.

Each recipient's answer is Pinpoint's: an eligible recipient is queued (DeliveryStatus SUCCESSFUL,
StatusCode 202, the queue message's id as MessageId; the sender's events say what happened next);
an opted-out one is answered OPT_OUT and a suppressed, inactive or unknown one PERMANENT_FAILURE,
with the reason, and nothing is queued for them. A `TraceId` is the request's id: a call retried
with the same TraceId sends nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engage.errors import LimitExceededError, NotFoundError, ValidationError
from engage.messages.eligibility import ConsentReader, SuppressionReader, skip_reason
from engage.messages.request import SendRequest

MAX_RECIPIENTS = 100  # Pinpoint: addresses and endpoints per SendMessages, users per SendUsersMessages
MAX_USER_ENDPOINTS = 15
TEMPLATE_KEYS = {"EMAIL": "EmailTemplate", "SMS": "SMSTemplate", "VOICE": "VoiceTemplate"}
MESSAGE_KEYS = {"EMAIL": "EmailMessage", "SMS": "SMSMessage", "VOICE": "VoiceMessage"}


class EndpointLookup(Protocol):
    def get(self, app_id: str, endpoint_id: str) -> Mapping[str, Any]: ...
    def get_user_endpoints(self, app_id: str, user: str) -> list[Mapping[str, Any]]: ...


class Queue(Protocol):
    def enqueue(self, bodies: Sequence[str]) -> list[str | None]:
        """Queue message ids, in order (None where a message could not be queued)."""
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
    queue: Queue
    pseudonym: Callable[[str, str, str], str]  # (application, channel, address): address_recipient
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex

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
        results = self._queue(planned)
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
        results = self._queue(planned)
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
            missing = f"the request has no {MESSAGE_KEYS[channel]} or template for it"
            return Planned(None, _answer("PERMANENT_FAILURE", 400, missing), endpoint.get("Address"))
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

    def _queue(self, planned: list[tuple[tuple[str, str], Planned]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Queues what may be sent; every recipient's answer, keyed as planned."""
        sends = [(key, item) for key, item in planned if item.send is not None]
        queued = self.queue.enqueue([item.send.to_body() for _key, item in sends]) if sends else []
        message_ids = {key: message_id for (key, _item), message_id in zip(sends, queued, strict=True)}
        results: dict[tuple[str, str], dict[str, Any]] = {}
        for key, item in planned:
            if item.send is None:
                answer = dict(item.answer or {})
            elif message_ids[key]:
                answer = {**_answer("SUCCESSFUL", 202, "Queued for sending"), "MessageId": message_ids[key]}
            else:
                answer = _answer(
                    "TEMPORARY_FAILURE", 503, "the send queue did not take the message; send it again"
                )
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
