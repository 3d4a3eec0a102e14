"""Serving AWS operations moto lacks, behind moto's own port, in the wire format of the real API.

Requests are routed by the service that signed them (the SigV4 credential scope) and the operation
botocore's model says they are (the X-Amz-Target of JSON services, the method and request URI of
REST-JSON ones); parameters are parsed by the operation's input shape, responses are checked against
its output shape and serialised as the real service would. Every request is recorded in the outbox
as the API received it, and the fault injector may answer instead of the handler.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator

log = logging.getLogger("engage_local.emulators")
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_models = botocore.session.get_session()


class ApiError(Exception):
    """An error the emulated service answers with (its botocore error code)."""

    def __init__(self, code: str, message: str, status: int = 400, **fields: Any) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.fields = fields


Handler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def scope(self) -> tuple[str, str] | None:
        match = _SCOPE.search(self.headers.get("authorization", ""))
        return (match.group(1), match.group(2)) if match else None


@dataclass
class Emulator:
    """One emulated service: which botocore model it speaks and a handler per operation."""

    service: str  # botocore's name: "pinpoint-sms-voice-v2", "sesv2", ...
    handlers: dict[str, Handler] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.model = _models.get_service_model(self.service)
        self.signing_name = self.model.signing_name
        self.protocol = self.model.protocol
        self._routes: list[tuple[str, re.Pattern[str], OperationModel]] = []
        for name in self.model.operation_names:
            operation = self.model.operation_model(name)
            uri = operation.http.get("requestUri", "/")
            self._routes.append((operation.http.get("method", "POST"), _uri_pattern(uri), operation))
        # Literal segments first, so /v2/email/templates/{T}/render is not taken for /v2/email/templates/{T}.
        self._routes.sort(key=lambda r: (-len(r[1].pattern.replace("[^/]+", "")), r[1].pattern))

    @classmethod
    def serving(cls, service: str, state: object, operations: list[str]) -> Emulator:
        """An emulator whose handler for `SendTextMessage` is `state.send_text_message`, and so on."""
        return cls(service, {name: getattr(state, _snake(name)) for name in operations})

    def operation(self, request: Request) -> tuple[OperationModel, dict[str, str]] | None:
        if self.protocol == "json":
            target = request.headers.get("x-amz-target", "")
            name = target.rpartition(".")[2]
            return (self.model.operation_model(name), {}) if name in self.model.operation_names else None
        path = request.path.split("?")[0]
        for method, pattern, operation in self._routes:
            match = pattern.match(path)
            if match and method == request.method:
                return operation, {k: unquote(v) for k, v in match.groupdict().items()}
        return None

    def parse(
        self, operation: OperationModel, request: Request, uri_params: dict[str, str]
    ) -> dict[str, Any]:
        """The request's parameters, or the 400 the service answers to a body it cannot read."""
        try:
            params = self._parse(operation, request, uri_params)
        except (ValueError, TypeError, KeyError, AttributeError, binascii.Error) as exc:
            raise ApiError(
                "SerializationException", f"could not read the {operation.name} request: {exc}"
            ) from exc
        report = ParamValidator().validate(params, operation.input_shape) if operation.input_shape else None
        if report is not None and report.has_errors():
            raise ApiError("ValidationException", report.generate_report())
        return params

    def _parse(
        self, operation: OperationModel, request: Request, uri_params: dict[str, str]
    ) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        body = json.loads(request.body) if request.body.strip() else {}
        if self.protocol == "json":
            return from_wire(shape, body)
        params: dict[str, Any] = {}
        query = parse_qs(request.query, keep_blank_values=True)
        payload = shape.serialization.get("payload")
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                params[name] = _scalar(member, uri_params[_uri_key(wire)])
            elif location == "querystring" and wire in query:
                values = query[wire]
                params[name] = (
                    [_scalar(member.member, v) for v in values]
                    if member.type_name == "list"
                    else _scalar(member, values[-1])
                )
            elif location == "header" and wire.lower() in request.headers:
                params[name] = _scalar(member, request.headers[wire.lower()])
            elif name == payload:
                params[name] = from_wire(member, body) if body else None
            elif location is None and not payload and wire in body:
                params[name] = from_wire(member, body[wire])
        return {k: v for k, v in params.items() if v is not None}

    def serialise(
        self, operation: OperationModel, result: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        shape = operation.output_shape
        if shape is None:
            return 200, {"Content-Type": "application/x-amz-json-1.0"}, b"{}"
        report = ParamValidator().validate(result, shape)
        if report.has_errors():
            raise AssertionError(
                f"{self.service}.{operation.name} answered outside its model: {report.generate_report()}"
            )
        if self.protocol == "json":
            return (
                200,
                {"Content-Type": "application/x-amz-json-1.0"},
                json.dumps(to_wire(shape, result)).encode(),
            )
        status, headers, body = (
            int(operation.http.get("responseCode", 200)),
            {"Content-Type": "application/json"},
            {},
        )
        payload = shape.serialization.get("payload")
        for name, value in result.items():
            member = shape.members[name]
            location = member.serialization.get("location")
            if location == "header":
                headers[member.serialization.get("name", name)] = str(value)
            elif location == "statusCode":
                status = int(value)
            elif name == payload:
                body = to_wire(member, value)
            else:
                body[member.serialization.get("name", name)] = to_wire(member, value)
        return status, headers, json.dumps(body).encode()

    def error(self, error: ApiError) -> tuple[int, dict[str, str], bytes]:
        document = {"__type": error.code, "message": str(error), "Message": str(error), **error.fields}
        return (
            error.status,
            {"Content-Type": "application/json", "x-amzn-ErrorType": error.code},
            json.dumps(document).encode(),
        )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _uri_key(wire: str) -> str:
    return re.sub(r"\W", "_", wire)


def _uri_pattern(uri: str) -> re.Pattern[str]:
    path = uri.split("?")[0]
    regex, last = "", 0
    for match in re.finditer(r"\{([^}]+)\}", path):
        regex += re.escape(path[last : match.start()])
        name = match.group(1)
        greedy = name.endswith("+")
        regex += f"(?P<{_uri_key(name.rstrip('+'))}>{'.+' if greedy else '[^/]+'})"
        last = match.end()
    return re.compile("^" + regex + re.escape(path[last:]) + "/?$")


def _scalar(shape: Shape, text: str) -> Any:
    if shape.type_name in ("integer", "long"):
        return int(text)
    if shape.type_name in ("float", "double"):
        return float(text)
    if shape.type_name == "boolean":
        return text.lower() == "true"
    if shape.type_name == "timestamp":
        return (
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            if not text.replace(".", "").isdigit()
            else datetime.fromtimestamp(float(text), UTC)
        )
    return text


def from_wire(shape: Shape, value: Any) -> Any:
    """A JSON value in the operation's types: blobs as bytes, timestamps as datetimes."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            if wire in value:
                out[name] = from_wire(member, value[wire])
        return out
    if kind == "list":
        return [from_wire(shape.member, v) for v in value]
    if kind == "map":
        return {k: from_wire(shape.value, v) for k, v in value.items()}
    if kind == "blob":
        return base64.b64decode(value)
    if kind == "timestamp":
        return (
            datetime.fromtimestamp(float(value), UTC)
            if isinstance(value, (int, float))
            else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        )
    return value


def to_wire(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        return {
            shape.members[k].serialization.get("name", k): to_wire(shape.members[k], v)
            for k, v in value.items()
            if v is not None
        }
    if kind == "list":
        return [to_wire(shape.member, v) for v in value]
    if kind == "map":
        return {k: to_wire(shape.value, v) for k, v in value.items()}
    if kind == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()
    if kind == "timestamp":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.timestamp()
    return value


def jsonable(value: Any) -> Any:
    """Outbox entries as JSON: bytes become {"base64": ...}, datetimes ISO 8601."""
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


class Outbox:
    """Every request the emulated services received, as they received it, in order."""

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(self, service: str, operation: str, request: dict[str, Any], **outcome: Any) -> dict[str, Any]:
        entry = {
            "id": str(uuid.uuid4()),
            "time": datetime.now(UTC).isoformat(),
            "service": service,
            "operation": operation,
            "request": request,
            **outcome,
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self, service: str | None = None, operation: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                e
                for e in self._entries
                if service in (None, e["service"]) and operation in (None, e["operation"])
            ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class Clock:
    """The emulated services' clock: real time plus whatever a test has advanced it by."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset, UTC)

    def advance(self, seconds: float) -> datetime:
        self.offset += seconds
        return self.now()
