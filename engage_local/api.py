"""The template's REST APIs on a local HTTP port, as `sam local start-api` serves them: every path
and method of every deployed API (Lambda proxy integrations), the REST API proxy event (payload
1.0), binary media types honoured both ways; and the local stack's control port (`tick`, `settle`,
`outbox`, `faults`, `clock`), which also serves CloudFront's edge under `/cloudfront/<host>/<path>`.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from engage import clock

from engage_local.emulators.edge import Edge
from engage_local.invoker import Invoker
from engage_local.provisioners import REST_APIS

log = logging.getLogger("engage_local.api")
_FUNCTION_IN_URI = re.compile(r"functions/(arn:[^/]+)/invocations")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Route:
    api_id: str
    resource: str  # the path template, e.g. /hello/{name}
    method: str  # GET ... or ANY
    function_arn: str
    pattern: re.Pattern[str]
    binary_media_types: tuple[str, ...]
    iam: bool = False  # AWS_IAM authorization: a SigV4 signature scoped to execute-api is required


def compile_path(template: str) -> re.Pattern[str]:
    parts = []
    for segment in template.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{_group(segment[1:-2])}>.+)")
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{_group(segment[1:-1])}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(p for p in parts if p) + "/?$")


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name) + "_" + format(abs(hash(name)) % 10**6, "d")


def routes() -> list[Route]:
    found = []
    for api_id, api in REST_APIS.items():
        schemes = {  # Swagger 2 or OpenAPI 3
            **(api["body"].get("securityDefinitions") or {}),
            **((api["body"].get("components") or {}).get("securitySchemes") or {}),
        }
        sigv4 = {
            name
            for name, scheme in schemes.items()
            if scheme.get("x-amazon-apigateway-authtype") == "awsSigv4"
        }
        for path, operations in api["body"].get("paths", {}).items():
            for verb, operation in operations.items():
                if not isinstance(operation, dict):
                    continue
                method = "ANY" if verb == "x-amazon-apigateway-any-method" else verb.upper()
                uri = operation.get("x-amazon-apigateway-integration", {}).get("uri", "")
                match = _FUNCTION_IN_URI.search(uri)
                if match and (method in _METHODS or method == "ANY"):
                    found.append(
                        Route(
                            api_id,
                            path,
                            method,
                            match.group(1),
                            compile_path(path),
                            tuple(api["binary_media_types"]),
                            any(name in sigv4 for entry in operation.get("security") or [] for name in entry),
                        )
                    )
    # Literal paths win over templated ones, as API Gateway matches the most specific resource.
    return sorted(found, key=lambda r: (r.resource.count("{"), -len(r.resource)))


def _names(route: Route) -> dict[str, str]:
    return {_group(n.strip("{}+")): n.strip("{}+") for n in re.findall(r"\{[^}]+\}", route.resource)}


def is_binary(content_type: str | None, binary_types: tuple[str, ...]) -> bool:
    if not content_type:
        return False
    kind = content_type.split(";")[0].strip().lower()
    return any(fnmatch.fnmatch(kind, t.lower()) for t in binary_types)


def proxy_event(
    route: Route,
    method: str,
    path: str,
    query: str,
    headers: dict[str, list[str]],
    body: bytes,
    source_ip: str,
    stage: str = "local",
) -> dict[str, Any]:
    match = route.pattern.match(path)
    names = _names(route)
    path_parameters = {names[k]: v for k, v in match.groupdict().items()} if match else {}
    multi_query = {k: v for k, v in parse_qs(query, keep_blank_values=True).items()}
    binary = is_binary((headers.get("content-type") or [None])[0], route.binary_media_types)
    now = clock.now()
    return {
        "resource": route.resource,
        "path": path,
        "httpMethod": method,
        "headers": {k: v[-1] for k, v in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": route.resource,
            "resourcePath": route.resource,
            "httpMethod": method,
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{stage}{path}",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "localhost",
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": str(uuid.uuid4()),
            "domainName": "localhost",
            "apiId": route.api_id,
            "identity": {"sourceIp": source_ip, "userAgent": (headers.get("user-agent") or [None])[0]},
        },
        "body": (base64.b64encode(body).decode() if binary else body.decode(errors="replace"))
        if body
        else None,
        "isBase64Encoded": bool(body) and binary,
    }


_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def iam_refusal(authorization: str | None) -> tuple[str, str] | None:
    """What API Gateway answers a request to an AWS_IAM route without a SigV4 signature for
    execute-api (the local stack checks the signature's presence and scope, not its math: its
    credentials are dummies)."""
    if not authorization:
        return "MissingAuthenticationTokenException", "Missing Authentication Token"
    scope = _CREDENTIAL_SCOPE.search(authorization)
    if not authorization.startswith("AWS4-HMAC-SHA256 ") or scope is None:
        return "IncompleteSignatureException", "Authorization header requires a SigV4 signature."
    if scope.group(1) != "execute-api":
        return (
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: 'execute-api', not '{scope.group(1)}'.",
        )
    return None


_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")


def invoke_refusal(route: Route, method: str, path: str, authorization: str) -> tuple[str, str] | None:
    """API Gateway's answer when the caller's role may not execute-api:Invoke this method and path
    (its identity policies judged by the local stack's IAM); None when it may, or when the call is
    the administrator's (keys that name no role), or IAM is off."""
    from engage_local.iam.principals import PRINCIPALS, active

    enforcer = active()
    key = _ACCESS_KEY.search(authorization)
    role = PRINCIPALS.role_of(key.group(1)) if key and enforcer is not None else None
    if role is None:
        return None
    api = REST_APIS[route.api_id]
    account = enforcer.account.account
    stage = api.get("stage", "local")
    resource = f"arn:aws:execute-api:{api['region']}:{account}:{route.api_id}/{stage}/{method}{path}"
    denial = enforcer.role_may(role, "execute-api:Invoke", resource, via="execute-api")
    if denial is None:
        return None
    return "AccessDeniedException", access_denied(
        role, resource, account, denial.reason == "ExplicitlyDenied"
    )


def access_denied(role_arn: str, resource: str, account: str, explicit: bool) -> str:
    """API Gateway's message when IAM refuses execute-api:Invoke (events/aws/apigateway/): the
    caller's role session (a console user's Cognito session), the method's ARN with the account
    masked but its last four digits, and " with an explicit deny" when a Deny decided it."""
    shown = resource.replace(f":{account}:", f":********{account[-4:]}:")
    caller = (
        role_arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")
        + "/CognitoIdentityCredentials"
    )
    deny = " with an explicit deny" if explicit else ""
    return f"User: {caller} is not authorized to perform: execute-api:Invoke on resource: {shown}{deny}"


def cors_preflight(path: str) -> dict[str, str] | None:
    """The answer of an API's CORS preflight (the OPTIONS method SAM's `Cors` adds, a mock
    integration): the headers its integration response sets, or None when no API has one here."""
    for api in REST_APIS.values():
        for template, operations in api["body"].get("paths", {}).items():
            options = operations.get("options") if isinstance(operations, dict) else None
            if not options or not compile_path(template).match(path):
                continue
            integration = options.get("x-amazon-apigateway-integration") or {}
            if integration.get("type") != "mock":
                continue
            response = (integration.get("responses") or {}).get("default") or {}
            return {
                name.removeprefix("method.response.header."): value.strip("'")
                for name, value in (response.get("responseParameters") or {}).items()
            }
    return None


def gateway_headers(route: Route, kind: str) -> dict[str, str]:
    """The headers an API's gateway response (DEFAULT_4XX, DEFAULT_5XX) adds to API Gateway's own
    answers: the CORS headers a browser needs to read a refusal."""
    responses = REST_APIS[route.api_id]["body"].get("x-amazon-apigateway-gateway-responses") or {}
    parameters = (responses.get(f"DEFAULT_{kind}") or {}).get("responseParameters") or {}
    return {
        name.removeprefix("gatewayresponse.header."): value.strip("'") for name, value in parameters.items()
    }


class _Handler(BaseHTTPRequestHandler):
    server_version = "engage-local-api"
    invoker: Invoker
    control: dict[str, Callable[[dict[str, Any]], Any]]
    edge: Edge | None

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.edge is not None and url.path.startswith("/cloudfront/"):
            return self._viewer(url)
        if self.control is not None:
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            return self._control(url.path, body, query)
        method = self.command.upper()
        if method == "OPTIONS" and self.headers.get("Access-Control-Request-Method"):
            preflight = cors_preflight(url.path)
            if preflight is not None:
                return self._send(200, preflight, b"")
        route = next((r for r in routes() if r.pattern.match(url.path) and r.method in (method, "ANY")), None)
        if route is None:
            return self._send(
                403,
                {"Content-Type": "application/json"},
                json.dumps({"message": "Missing Authentication Token"}).encode(),
            )
        headers: dict[str, list[str]] = {}
        for key, value in self.headers.items():
            headers.setdefault(key.lower(), []).append(value)
        refusal = route.iam and (
            iam_refusal(self.headers.get("Authorization"))
            or invoke_refusal(route, method, url.path, self.headers.get("Authorization", ""))
        )
        if refusal:
            kind, message = refusal
            body = {"Message" if kind == "AccessDeniedException" else "message": message}
            return self._send(
                403,
                {
                    "Content-Type": "application/json",
                    "x-amzn-ErrorType": kind,
                    **gateway_headers(route, "4XX"),
                },
                json.dumps(body).encode(),
            )
        event = proxy_event(route, method, url.path, url.query, headers, body, self.client_address[0])
        result = self.invoker.invoke(route.function_arn, event)
        if result.errored:
            log.warning("API function %s failed: %s", route.function_arn, result.payload[:500])
            return self._send(
                502, {"Content-Type": "application/json"}, b'{"message": "Internal server error"}'
            )
        try:
            response = json.loads(result.payload)
            status = int(response.get("statusCode", 200))
        except (ValueError, TypeError, AttributeError):
            log.warning("API function %s returned a malformed proxy response", route.function_arn)
            return self._send(
                502, {"Content-Type": "application/json"}, b'{"message": "Internal server error"}'
            )
        out_headers = {k: str(v) for k, v in (response.get("headers") or {}).items()}
        for key, values in (response.get("multiValueHeaders") or {}).items():
            out_headers[key] = ", ".join(map(str, values))
        payload = response.get("body") or ""
        if response.get("isBase64Encoded"):
            accept = self.headers.get("Accept", "")
            wanted = is_binary(
                out_headers.get("Content-Type") or out_headers.get("content-type"), route.binary_media_types
            ) or any(is_binary(a, route.binary_media_types) for a in accept.split(","))
            data = base64.b64decode(payload) if wanted else payload.encode()
        else:
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        return self._send(status, out_headers, data)

    def _control(self, path: str, body: bytes, query: dict[str, str]) -> None:
        action = self.control.get(path.strip("/"))
        if action is None:
            return self._send(
                404, {"Content-Type": "application/json"}, b'{"error": "unknown control action"}'
            )
        try:
            answer = action({**query, **(json.loads(body) if body else {})})
            return self._send(
                200, {"Content-Type": "application/json"}, json.dumps(answer, default=str).encode()
            )
        except (ValueError, KeyError) as exc:
            return self._send(
                400, {"Content-Type": "application/json"}, json.dumps({"error": str(exc)}).encode()
            )

    def _viewer(self, url: Any) -> None:
        """A viewer's request to a distribution: `/cloudfront/<host>/<path>?<query>`, the scheme the
        viewer used in X-Forwarded-Proto (https when absent). The answer goes out as the edge gives
        it (no Server header of ours), its body streamed."""
        host, _, path = url.path.removeprefix("/cloudfront/").partition("/")
        scheme = self.headers.get("X-Forwarded-Proto", "https")
        viewer_url = f"{scheme}://{host}/{path}" + (f"?{url.query}" if url.query else "")
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("host", "x-forwarded-proto", "content-length")
        }
        response = self.edge.serve(self.command, viewer_url, headers, self.client_address[0])
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        chunks = response.chunks()
        try:
            for chunk in chunks:
                if self.command != "HEAD":
                    self.wfile.write(chunk)
        finally:
            chunks.close()

    def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class LocalHttp:
    """A threaded HTTP server on 127.0.0.1: the API port, or the control port with `control` (and
    CloudFront's edge with `edge`)."""

    def __init__(
        self,
        invoker: Invoker,
        control: dict[str, Callable[[dict[str, Any]], Any]] | None = None,
        edge: Edge | None = None,
    ) -> None:
        handler = type("Handler", (_Handler,), {"invoker": invoker, "control": control, "edge": edge})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="local-http", daemon=True)

    def start(self) -> LocalHttp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def parse_at(value: str | None) -> datetime:
    if not value:
        return clock.now()
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


FIRST_POLL, LONGEST_POLL = 0.02, 0.25  # seconds between a waiter's questions (see wait_until)


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float | None = None) -> bool:
    """Whether `predicate` came true within `timeout` seconds, asked every `interval` seconds or, by
    default, every 20 ms at first and less often as the wait goes on, up to every quarter second:
    a quick answer is seen at once, and a long wait does not keep the stack it asks (which shares
    the machine's cores with every other test) busy answering."""
    deadline = time.monotonic() + timeout
    pause = interval or FIRST_POLL
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        if interval is None:
            pause = min(pause * 1.5, LONGEST_POLL)
    return predicate()
