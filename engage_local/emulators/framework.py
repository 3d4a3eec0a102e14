"""Serving AWS operations moto lacks, behind moto's own port, in the wire format of the real API.

Requests are routed by the service that signed them (the SigV4 credential scope) and the operation
botocore's model says they are (the X-Amz-Target of JSON services, the method and request URI of
REST-JSON and REST-XML ones); parameters are parsed by the operation's input shape, responses are
checked against its output shape and serialised as the real service would. Every request is recorded
in the outbox as the API received it, and the fault injector may answer instead of the handler. An
emulator may also observe operations moto answers (its `observers`): it sees the request and moto's
answer, parsed by the model, keeps what moto's model drops and may put it back into the answer.
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
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.parsers
import botocore.session
from botocore.awsrequest import HeadersDict
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator
from engage.clock import write_offset

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
# (request parameters, moto's answer) -> None, or the answer to give instead
Observer = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]


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

    @property
    def access_key(self) -> str | None:
        """The access key that signed the request (it names the caller's role on the local stack)."""
        match = re.search(r"Credential=([^/,\s]+)/", self.headers.get("authorization", ""))
        return match.group(1) if match else None


_serving = threading.local()


def serving(request: Request | None) -> None:
    """Notes the request this thread is answering (the middleware does, before any handler)."""
    _serving.request = request


def current_request() -> Request | None:
    """The request this thread is answering: a handler or observer that acts as its caller (as Athena
    reads Glue and S3 with the caller's credentials) finds who that is here."""
    return getattr(_serving, "request", None)


@dataclass
class Emulator:
    """One emulated service: which botocore model it speaks and a handler per operation."""

    service: str  # botocore's name: "pinpoint-sms-voice-v2", "sesv2", ...
    handlers: dict[str, Handler] = field(default_factory=dict)
    observers: dict[str, Observer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.model = _models.get_service_model(self.service)
        self.signing_name = self.model.signing_name
        self.protocol = self.model.protocol
        self._routes: list[tuple[str, re.Pattern[str], frozenset[str], OperationModel]] = []
        for name in self.model.operation_names:
            operation = self.model.operation_model(name)
            uri = operation.http.get("requestUri", "/")
            # A query in the request URI (CloudFront's /distribution?WithTags) must be present.
            needs = frozenset(k.split("=")[0] for k in uri.partition("?")[2].split("&") if k)
            self._routes.append((operation.http.get("method", "POST"), _uri_pattern(uri), needs, operation))
        # Literal segments first, so /v2/email/templates/{T}/render is not taken for /v2/email/templates/{T};
        # then the URIs that need a query before the same path without.
        self._routes.sort(key=lambda r: (-len(r[1].pattern.replace("[^/]+", "")), -len(r[2]), r[1].pattern))

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
        query = set(parse_qs(request.query, keep_blank_values=True))
        for method, pattern, needs, operation in self._routes:
            match = pattern.match(path)
            if match and method == request.method and needs <= query:
                return operation, {k: unquote(v) for k, v in match.groupdict().items()}
        return None

    def parse(
        self, operation: OperationModel, request: Request, uri_params: dict[str, str]
    ) -> dict[str, Any]:
        """The request's parameters, or the 400 the service answers to a body it cannot read."""
        try:
            params = self._parse(operation, request, uri_params)
        except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, ET.ParseError) as exc:
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
        xml = self.protocol == "rest-xml"
        if xml:
            # Bodies come from the local stack's own clients on 127.0.0.1, never from a network peer.
            body: Any = ET.fromstring(request.body) if request.body.strip() else None  # noqa: S314
        else:
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
            elif xml and body is not None and name == payload:
                params[name] = from_xml(member, body)
            elif xml and body is not None and location is None and not payload:
                found = next((c for c in body if _tag(c) == wire), None)
                params[name] = from_xml(member, found) if found is not None else None
            elif xml:
                continue
            elif name == payload:
                params[name] = from_wire(member, body) if body else None
            elif location is None and not payload and wire in body:
                params[name] = from_wire(member, body[wire])
        return {k: v for k, v in params.items() if v is not None}

    def serialise(
        self, operation: OperationModel, result: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        shape = operation.output_shape
        if shape is None and self.protocol == "rest-xml":
            return int(operation.http.get("responseCode", 200)), {}, b""
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
        if self.protocol == "rest-xml":
            return self._serialise_xml(operation, shape, result)
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

    def _serialise_xml(
        self, operation: OperationModel, shape: Shape, result: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        status = int(operation.http.get("responseCode", 200))
        headers = {"Content-Type": "text/xml"}
        payload = shape.serialization.get("payload")
        root: ET.Element | None = None
        for name, value in result.items():
            member = shape.members[name]
            location = member.serialization.get("location")
            if location == "header":
                headers[member.serialization.get("name", name)] = _xml_text(member, value)
            elif location == "statusCode":
                status = int(value)
            elif name == payload:
                root = to_xml(member, value, member.serialization.get("name", member.name))
        if root is None and not payload and shape.members:
            root = to_xml(shape, {k: v for k, v in result.items() if k in _body_members(shape)}, shape.name)
        if root is None:
            return status, headers, b""
        root.set("xmlns", self.namespace)
        return status, headers, b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root)

    @property
    def namespace(self) -> str:
        return f"http://{self.model.endpoint_prefix}.amazonaws.com/doc/{self.model.api_version}/"

    def answered(
        self, operation: OperationModel, status: int, headers: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        """moto's answer to an observed operation, parsed as botocore parses it."""
        parser = botocore.parsers.create_parser(self.protocol)
        return parser.parse(
            {"status_code": status, "headers": HeadersDict(headers), "body": body}, operation.output_shape
        )

    def error(self, error: ApiError) -> tuple[int, dict[str, str], bytes]:
        if self.protocol == "rest-xml":
            root = ET.Element("ErrorResponse", xmlns=self.namespace)
            detail = ET.SubElement(root, "Error")
            ET.SubElement(detail, "Type").text = "Sender" if error.status < 500 else "Receiver"
            ET.SubElement(detail, "Code").text = error.code
            ET.SubElement(detail, "Message").text = str(error)
            ET.SubElement(root, "RequestId").text = str(uuid.uuid4())
            return (
                error.status,
                {"Content-Type": "text/xml"},
                b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root),
            )
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


def _tag(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _body_members(shape: Shape) -> list[str]:
    return [n for n, m in shape.members.items() if m.serialization.get("location") is None]


def from_xml(shape: Shape, element: ET.Element) -> Any:
    """An XML element (REST-XML's wire form) in the operation's types."""
    kind = shape.type_name
    if kind == "structure":
        out = {}
        children = list(element)
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            if member.serialization.get("xmlAttribute"):
                if wire in element.attrib:
                    out[name] = _xml_scalar(member, element.attrib[wire])
                continue
            if member.type_name == "list" and member.serialization.get("flattened"):
                found = [c for c in children if _tag(c) == wire]
                if found:
                    out[name] = [from_xml(member.member, c) for c in found]
                continue
            child = next((c for c in children if _tag(c) == wire), None)
            if child is not None:
                out[name] = from_xml(member, child)
        return out
    if kind == "list":
        return [from_xml(shape.member, c) for c in element]
    if kind == "map":
        entries = {}
        for entry in element:
            key = next(c for c in entry if _tag(c) == shape.key.serialization.get("name", "key"))
            value = next(c for c in entry if _tag(c) == shape.value.serialization.get("name", "value"))
            entries[key.text or ""] = from_xml(shape.value, value)
        return entries
    return _xml_scalar(shape, element.text or "")


def _xml_scalar(shape: Shape, text: str) -> Any:
    if shape.type_name == "blob":
        return base64.b64decode(text)
    return _scalar(shape, text.strip() if shape.type_name != "string" else text)


def _xml_text(shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if kind == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()
    return str(value)


def to_xml(shape: Shape, value: Any, tag: str) -> ET.Element:
    """A value of the operation's types as REST-XML's element `tag`."""
    element = ET.Element(tag)
    kind = shape.type_name
    if kind == "structure":
        for name, member_value in value.items():
            if member_value is None:
                continue
            member = shape.members[name]
            wire = member.serialization.get("name", name)
            if member.serialization.get("xmlAttribute"):
                element.set(wire, _xml_text(member, member_value))
            elif member.type_name == "list" and member.serialization.get("flattened"):
                element.extend(to_xml(member.member, item, wire) for item in member_value)
            else:
                element.append(to_xml(member, member_value, wire))
    elif kind == "list":
        item_tag = shape.member.serialization.get("name", "member")
        element.extend(to_xml(shape.member, item, item_tag) for item in value)
    elif kind == "map":
        for key, item in value.items():
            entry = ET.SubElement(element, "entry")
            ET.SubElement(entry, shape.key.serialization.get("name", "key")).text = str(key)
            entry.append(to_xml(shape.value, item, shape.value.serialization.get("name", "value")))
    else:
        element.text = _xml_text(shape, value)
    return element


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

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(self, service: str, operation: str, request: dict[str, Any], **outcome: Any) -> dict[str, Any]:
        entry = {
            "id": str(uuid.uuid4()),
            "time": (self.clock.now() if self.clock else datetime.now(UTC)).isoformat(),
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
    """The local stack's clock: the system's plus an offset that `set` and `advance` change. With a
    `path`, the offset is also written there, where every function's worker reads it through
    `engage.clock` (ENGAGE_CLOCK_FILE), so the emulators, the functions and the stack tell one time."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._offset = 0.0
        self._write()

    @property
    def offset(self) -> float:
        return self._offset

    @offset.setter
    def offset(self, seconds: float) -> None:
        self._offset = float(seconds)
        self._write()

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self._offset, UTC)

    def set(self, moment: datetime) -> datetime:
        """Moves the clock to `moment` (forwards or back); it keeps running from there."""
        self.offset = moment.timestamp() - time.time()
        return self.now()

    def advance(self, seconds: float) -> datetime:
        self.offset = self._offset + seconds
        return self.now()

    def reset(self) -> datetime:
        """Back to the system's time."""
        self.offset = 0.0
        return self.now()

    def _write(self) -> None:
        if self.path is not None:
            write_offset(str(self.path), self._offset)
