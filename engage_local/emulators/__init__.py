"""Services moto lacks, emulated behind moto's own port (see `framework`), with the outbox, the
emulators' clock and fault injection; and CloudFront's edge (`edge`), which the control port serves."""

from __future__ import annotations

import io
import logging
import socket
from typing import Any
from urllib.parse import parse_qs

from engage.adapters.clients import ClientFactory
from moto.core import DEFAULT_ACCOUNT_ID

from engage_local.emulators.athena import AthenaState, athena_emulator
from engage_local.emulators.cloudfront import CloudFrontState, cloudfront_emulator
from engage_local.emulators.cognito import IdentityPools, cognito_identity_emulator
from engage_local.emulators.edge import Edge
from engage_local.emulators.faults import FaultInjector, throttle_error
from engage_local.emulators.framework import ApiError, Clock, Emulator, Outbox, Request, jsonable, serving
from engage_local.emulators.personalize import PersonalizeCampaigns, personalize_runtime_emulator
from engage_local.emulators.phone import (
    PushProjects,
    connect_campaigns_emulator,
    connect_emulator,
    pinpoint_emulator,
)
from engage_local.emulators.ses import SesState, ses_emulator
from engage_local.emulators.sms import SmsVoiceState, publish_json, sms_voice_emulator

log = logging.getLogger("engage_local.emulators")


class EmulatedServices:
    def __init__(self, region: str, clients: ClientFactory, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.outbox = Outbox(self.clock)
        self.faults = FaultInjector()
        publish = lambda destination, record, source=None: publish_json(  # noqa: E731
            clients, destination, record, source
        )
        self.sms = SmsVoiceState(region, self.clock, publish)
        self.ses = SesState(region, self.clock, publish, clients)
        self.cloudfront = CloudFrontState(self.clock)
        self.push = PushProjects(self.clock, self.outbox)
        self.personalize = PersonalizeCampaigns()
        self.edge = Edge(self.cloudfront, clients, self.clock, self.outbox)
        self.athena = AthenaState(region, clients, self.clock)
        self.identity_pools = IdentityPools(region, DEFAULT_ACCOUNT_ID)
        self.emulators: list[Emulator] = [
            sms_voice_emulator(self.sms),
            ses_emulator(self.ses),
            pinpoint_emulator(self.push),
            connect_emulator(),
            connect_campaigns_emulator(),
            cloudfront_emulator(self.cloudfront),
            athena_emulator(self.athena),
            personalize_runtime_emulator(self.personalize),
            cognito_identity_emulator(self.identity_pools),
        ]

    def route(self, request: Request) -> tuple[Emulator | None, Any, dict[str, str]]:
        scope = request.scope
        # Cognito's sign-in calls (GetId, GetCredentialsForIdentity) are not signed: their target names them.
        target = request.headers.get("x-amz-target", "").partition(".")[0]
        for emulator in self.emulators:
            if (scope and scope[1] == emulator.signing_name) or (
                not scope and target and target == emulator.model.metadata.get("targetPrefix")
            ):
                found = emulator.operation(request)
                if found and (found[0].name in emulator.handlers or found[0].name in emulator.observers):
                    return emulator, found[0], found[1]
        return None, None, {}


def _moto_operation(request: Request) -> str:
    target = request.headers.get("x-amz-target")
    if target:
        return target.rpartition(".")[2]
    form = parse_qs(request.query) or (
        parse_qs(request.body.decode(errors="ignore"))
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        else {}
    )
    return form.get("Action", ["*"])[0]


class EmulatorMiddleware:
    """WSGI in front of moto: emulated operations are answered here, the rest go to moto."""

    def __init__(self, app: Any, services: EmulatedServices, enforcer: Any = None) -> None:
        self.app = app
        self.services = services
        self.enforcer = enforcer  # engage_local.iam.enforcer.Enforcer: IAM before any service

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = Request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            headers,
            body,
        )
        serving(request)  # for an emulator that acts as its caller (Athena reading S3)
        if request.method == "OPTIONS" and "x-amz-target" in headers.get(
            "access-control-request-headers", ""
        ):
            # A browser's preflight of a JSON-protocol call (the console's sign-in to Cognito), which
            # AWS's public endpoints allow from any origin. Other preflights (S3's, which a bucket's
            # CORS rules decide) go on to moto.
            return _respond(start_response, 200, _cors(headers, preflight=True), b"")
        if self.enforcer is not None:
            refused = self.enforcer.refusal(request)
            if refused is not None:
                return _respond(start_response, *refused)
        scope = request.scope
        emulator, operation, uri_params = self.services.route(request)
        if scope is None and emulator is None:
            return self.app(environ, start_response)
        if "origin" in headers:  # a browser's call (the console's sign-in), answered as AWS's CORS does
            start_response = _with_headers(start_response, _cors(headers))
        service = emulator.service if emulator else scope[1]
        name = operation.name if operation else _moto_operation(request)
        fault = self.services.faults.decide(service, name)
        if fault in ("throttle", "transient"):
            code, status = throttle_error(service) if fault == "throttle" else ("InternalFailure", 500)
            error = ApiError(
                code, "Rate exceeded" if fault == "throttle" else "injected transient failure", status
            )
            answer = (emulator or _GENERIC).error(error)
            if emulator:
                self.services.outbox.record(
                    service,
                    name,
                    emulator.parse(operation, request, uri_params),
                    error={"code": code, "message": str(error)},
                    fault=fault,
                )
            return _respond(start_response, *answer)
        if emulator is None:
            if fault == "timeout":
                list(self.app(environ, lambda *_a, **_k: None))
                return _drop(environ)
            return self.app(environ, start_response)
        if name not in emulator.handlers:
            return self._observed(environ, start_response, emulator, operation, request, uri_params, fault)
        params: dict[str, Any] = {}
        try:
            params = emulator.parse(operation, request, uri_params)
            result = emulator.handlers[name](params)
            answer = emulator.serialise(operation, result)
            self.services.outbox.record(service, name, params, response=result, fault=fault)
        except ApiError as exc:
            answer = emulator.error(exc)
            self.services.outbox.record(
                service, name, params, error={"code": exc.code, "message": str(exc)}, fault=fault
            )
        if fault == "timeout":
            return _drop(environ)
        return _respond(start_response, *answer)

    def _observed(
        self,
        environ: dict[str, Any],
        start_response: Any,
        emulator: Emulator,
        operation: Any,
        request: Request,
        uri_params: dict[str, str],
        fault: str | None,
    ) -> Any:
        """moto answers; the emulator sees the request and the answer (when it succeeded), and may
        answer in its stead (with what moto's model dropped put back)."""
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer["status"], answer["headers"] = status, headers
            return lambda _data: None

        chunks = self.app(environ, capture)
        try:
            data = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status = int(answer["status"].split()[0])
        replaced = None
        if status < 300:
            try:
                params = emulator.parse(operation, request, uri_params)
                result = emulator.answered(operation, status, dict(answer["headers"]), data)
                result.pop("ResponseMetadata", None)
                instead = emulator.observers[operation.name](params, result)
                if instead is not None:
                    replaced = emulator.serialise(operation, instead)
            except Exception:
                log.exception("%s.%s: could not observe moto's answer", emulator.service, operation.name)
        if fault == "timeout":
            return _drop(environ)
        if replaced is not None:
            return _respond(start_response, *replaced)
        start_response(answer["status"], answer["headers"])
        return [data]


_GENERIC = Emulator("sqs")  # any JSON error shape will do for moto's services


def _respond(start_response: Any, status: int, headers: dict[str, str], data: bytes) -> list[bytes]:
    reason = {
        200: "OK",
        201: "Created",
        204: "No Content",
        400: "Bad Request",
        404: "Not Found",
        409: "Conflict",
        412: "Precondition Failed",
        429: "Too Many Requests",
        500: "Internal Server Error",
    }.get(status, "Error")
    start_response(f"{status} {reason}", [*headers.items(), ("Content-Length", str(len(data)))])
    return [data]


def _cors(headers: dict[str, str], preflight: bool = False) -> dict[str, str]:
    """The CORS headers AWS's public endpoints answer a browser with (any origin, the headers it asks
    to send); the local stack's services answer browsers the same way."""
    answer = {"Access-Control-Allow-Origin": headers.get("origin", "*")}
    if preflight:
        answer |= {
            "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": headers.get("access-control-request-headers", ""),
            "Access-Control-Max-Age": "600",
        }
    else:
        answer["Access-Control-Expose-Headers"] = "x-amzn-requestid, x-amzn-errortype, x-amz-request-id"
    return answer


def _with_headers(start_response: Any, extra: dict[str, str]) -> Any:
    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        present = {name.lower() for name, _ in headers}
        added = [(k, v) for k, v in extra.items() if k.lower() not in present]
        return start_response(status, [*headers, *added], exc_info)

    return start


def _drop(environ: dict[str, Any]) -> list[bytes]:
    """The request was carried out; the caller never hears back (as when a response is lost)."""
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            log.debug("connection already gone")
    return []


__all__ = ["EmulatedServices", "EmulatorMiddleware", "jsonable"]
