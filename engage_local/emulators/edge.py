"""CloudFront's edge on the local stack: a viewer's request to a distribution's domain answered as
CloudFront answers it. The cache behaviour is chosen by path pattern; its viewer protocol policy and
allowed methods are enforced; where it trusts key groups, a signed URL or signed cookies (canned or
custom policy) must verify against one of their public keys and be in date on the emulators' clock;
the object is read from the S3 origin only as far as the bucket policy lets the distribution (its
origin access control) read it; and the response headers policy is applied. Nothing is cached:
every request goes to the origin.

The control port serves it (`<control_url>/cloudfront/<host>/<path>?<query>`, the viewer's scheme
in X-Forwarded-Proto); `fetch` is the client of that route.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import re
import secrets
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape

import requests
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from engage_local.emulators.cloudfront import CloudFrontState
from engage_local.emulators.framework import Clock, Outbox

log = logging.getLogger("engage_local.emulators")
SIGNING_PARAMETERS = ("Expires", "Policy", "Signature", "Key-Pair-Id")
CHUNK = 64 * 1024
# An S3 REST endpoint as an origin's DomainName (website endpoints are custom origins).
_S3_DOMAIN = re.compile(
    r"^(?P<bucket>.+?)\.s3(?:\.dualstack)?(?:[.-](?P<region>[a-z]{2}(?:-[a-z]+)+-\d+))?\.amazonaws\.com(?:\.cn)?$"
)
# What S3 answers an object with, by get_object/head_object field: the header CloudFront passes on.
_OBJECT_HEADERS = {
    "ContentType": "Content-Type",
    "ContentLength": "Content-Length",
    "ETag": "ETag",
    "LastModified": "Last-Modified",
    "CacheControl": "Cache-Control",
    "ContentEncoding": "Content-Encoding",
    "ContentDisposition": "Content-Disposition",
    "ContentLanguage": "Content-Language",
    "ContentRange": "Content-Range",
    "AcceptRanges": "Accept-Ranges",
    "ExpiresString": "Expires",
    "VersionId": "x-amz-version-id",
    "ServerSideEncryption": "x-amz-server-side-encryption",
}
_CONDITIONAL = {"range": "Range", "if-none-match": "IfNoneMatch", "if-match": "IfMatch"}


@dataclass
class ViewerResponse:
    """What the edge answers a viewer: the body streams from the origin."""

    status: int
    headers: dict[str, str]
    body: Iterator[bytes] | bytes = b""
    log: dict[str, Any] = field(default_factory=dict)  # what the outbox records besides the status

    def chunks(self) -> Iterator[bytes]:
        if isinstance(self.body, bytes):
            yield self.body
        else:
            yield from self.body

    def read(self) -> bytes:
        return b"".join(self.chunks())


class Refusal(Exception):
    def __init__(self, response: ViewerResponse) -> None:
        super().__init__(response.status)
        self.response = response


def _cf_id() -> str:
    alphabet = string.ascii_letters + string.digits + "-_"
    return "".join(secrets.choice(alphabet) for _ in range(54)) + "=="


def _cloudfront_headers(status: int) -> dict[str, str]:
    return {
        "X-Cache": "Error from cloudfront" if status >= 400 else "Miss from cloudfront",
        "Via": f"1.1 {secrets.token_hex(16)}.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Pop": "LCL50-C1",
        "X-Amz-Cf-Id": _cf_id(),
    }


def denied(code: str, message: str) -> Refusal:
    """CloudFront's own refusal of a signed request: 403 and an XML error."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message></Error>"
    ).encode()
    headers = {"Server": "CloudFront", "Content-Type": "text/xml", "Content-Length": str(len(body))}
    return Refusal(ViewerResponse(403, headers, body, {"refused": code}))


def not_satisfied(status: int, reason: str) -> Refusal:
    """CloudFront's own error page ("The request could not be satisfied")."""
    title = {403: "403 ERROR", 404: "404 ERROR", 502: "502 ERROR"}.get(status, f"{status} ERROR")
    body = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">'
        '<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">'
        f"<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY><H1>{title}</H1>"
        f'<H2>The request could not be satisfied.</H2><HR noshade size="1px">{escape(reason)}'
        '<BR clear="all"></BODY></HTML>'
    ).encode()
    headers = {"Server": "CloudFront", "Content-Type": "text/html", "Content-Length": str(len(body))}
    return Refusal(ViewerResponse(status, headers, body, {"refused": reason}))


def s3_error(status: int, code: str, message: str) -> ViewerResponse:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}'
        f"</Message><RequestId>{secrets.token_hex(8).upper()}</RequestId>"
        f"<HostId>{base64.b64encode(secrets.token_bytes(48)).decode()}</HostId></Error>"
    ).encode()
    headers = {"Content-Type": "application/xml", "Content-Length": str(len(body)), "Server": "AmazonS3"}
    return ViewerResponse(status, headers, body, {"origin_error": code})


# --- matching --------------------------------------------------------------------------------------
def wildcard(pattern: str) -> re.Pattern[str]:
    """CloudFront's and IAM's wildcards: * any run of characters, ? exactly one."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.S)


def cache_behavior(config: dict[str, Any], path: str) -> dict[str, Any]:
    """The first cache behaviour whose path pattern matches the path, else the default one."""
    path = path.lstrip("/")
    for behavior in config.get("CacheBehaviors", {}).get("Items", []):
        if wildcard(behavior["PathPattern"].lstrip("/")).fullmatch(path):
            return behavior
    return config["DefaultCacheBehavior"]


def s3_bucket(domain: str) -> str | None:
    match = _S3_DOMAIN.match(domain.lower())
    return match.group("bucket") if match else None


# --- signed URLs and cookies -----------------------------------------------------------------------
def cloudfront_b64decode(text: str) -> bytes:
    """CloudFront's URL-safe base64 (+ as -, = as _, / as ~)."""
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"), validate=True)


def canned_policy(resource: str, expires: int) -> str:
    return json.dumps(
        {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
        separators=(",", ":"),
    )


def signing_values(query: str, cookie_header: str | None) -> dict[str, str]:
    """The signing parameters of the URL, or else of the CloudFront-* cookies."""
    from_url = {k: v for k, v in parse_qsl(query, keep_blank_values=True) if k in SIGNING_PARAMETERS}
    if from_url:
        return from_url
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header or "")
    except CookieError:
        return {}
    return {
        name: cookies[f"CloudFront-{name}"].value
        for name in SIGNING_PARAMETERS
        if f"CloudFront-{name}" in cookies
    }


def without_signing(query: str) -> str:
    """The query string as the viewer sent it, less the signing parameters (CloudFront drops them:
    they are not part of a canned policy's resource and never reach the origin)."""
    kept = [p for p in query.split("&") if p and unquote(p.split("=", 1)[0]) not in SIGNING_PARAMETERS]
    return "&".join(kept)


def verify_signed(
    values: dict[str, str],
    resource: str,
    public_key_for: Any,
    now: float,
    viewer_ip: str,
) -> None:
    """Raises the refusal CloudFront answers unless the signing values grant `resource` now;
    `public_key_for(key_pair_id)` gives the trusted public key's PEM, or None."""
    key_pair_id = values.get("Key-Pair-Id")
    if not key_pair_id:
        raise denied("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
    pem = public_key_for(key_pair_id)
    if pem is None:
        raise denied("InvalidKey", "Unknown Key")
    if not values.get("Signature"):
        raise denied("MissingSignature", "Missing Signature query parameter or cookie value")
    try:
        signature = cloudfront_b64decode(values["Signature"])
    except (binascii.Error, ValueError):
        raise denied("MalformedSignature", "Could not unencode Signature") from None
    if values.get("Policy"):
        try:
            document = cloudfront_b64decode(values["Policy"])
            statement = json.loads(document)["Statement"][0]
            condition = statement["Condition"]
            expires = int(condition["DateLessThan"]["AWS:EpochTime"])
        except (binascii.Error, ValueError, KeyError, IndexError, TypeError):
            raise denied("MalformedPolicy", "Malformed Policy") from None
    elif values.get("Expires"):
        try:
            expires = int(values["Expires"])
        except ValueError:
            raise denied("AccessDenied", "Access denied") from None
        statement, condition = {"Resource": resource}, {}
        document = canned_policy(resource, expires).encode()
    else:
        raise denied("AccessDenied", "Access denied")
    if not _verifies(pem, signature, document):
        raise denied("AccessDenied", "Access denied")
    if "Resource" in statement and not wildcard(statement["Resource"]).fullmatch(resource):
        raise denied("AccessDenied", "Access denied")
    if now >= expires:
        raise denied("AccessDenied", "Access denied")
    not_before = (condition.get("DateGreaterThan") or {}).get("AWS:EpochTime")
    if not_before is not None and now <= int(not_before):
        raise denied("AccessDenied", "Access denied")
    source = (condition.get("IpAddress") or {}).get("AWS:SourceIp")
    if source and ipaddress.ip_address(viewer_ip) not in ipaddress.ip_network(source, strict=False):
        raise denied("AccessDenied", "Access denied")


def _verifies(pem: str, signature: bytes, document: bytes) -> bool:
    """CloudFront's signature: RSA (PKCS #1 v1.5) over SHA-1 of the policy."""
    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, UnsupportedAlgorithm):
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, document, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront's algorithm
    except InvalidSignature:
        return False
    return True


# --- bucket policies, as S3 evaluates them for CloudFront's request --------------------------------
def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(statement: dict[str, Any], principal: str | None) -> bool:
    """`principal` is a service principal (cloudfront.amazonaws.com) or None, anonymous."""
    if "NotPrincipal" in statement:
        return not _principal_in(statement["NotPrincipal"], principal)
    return _principal_in(statement.get("Principal"), principal)


def _principal_in(entry: Any, principal: str | None) -> bool:
    if entry == "*":
        return True
    if not isinstance(entry, dict):
        return False
    if "*" in _values(entry.get("AWS", [])):
        return True
    return principal is not None and principal in _values(entry.get("Service", []))


def _condition_holds(operator: str, conditions: dict[str, Any], context: dict[str, str]) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists").split(":")[-1]
    for key, expected in conditions.items():
        actual = context.get(key.lower())
        negated = "Not" in base
        if actual is None:
            if not (if_exists or negated):
                return False
            continue
        kind = base.replace("Not", "")
        if kind in ("StringEquals", "ArnEquals"):
            hit = any(actual == str(e) for e in _values(expected))
        elif kind == "StringEqualsIgnoreCase":
            hit = any(actual.lower() == str(e).lower() for e in _values(expected))
        elif kind in ("StringLike", "ArnLike"):
            hit = any(wildcard(str(e)).fullmatch(actual) for e in _values(expected))
        elif kind == "Bool":
            hit = any(actual == str(e).lower() for e in _values(expected))
        else:
            return False  # an operator the local stack does not evaluate never grants
        if hit == negated:
            return False
    return True


def _statement_applies(
    statement: dict[str, Any], principal: str | None, action: str, resource: str, context: dict[str, str]
) -> bool:
    def listed(key: str, value: str, fold: bool) -> bool:
        patterns = _values(statement.get(key, []))
        return any(
            wildcard(p.lower() if fold else p).fullmatch(value.lower() if fold else value) for p in patterns
        )

    action_ok = (
        not listed("NotAction", action, True) if "NotAction" in statement else listed("Action", action, True)
    )
    resource_ok = (
        not listed("NotResource", resource, False)
        if "NotResource" in statement
        else listed("Resource", resource, False)
    )
    return (
        _principal_matches(statement, principal)
        and action_ok
        and resource_ok
        and all(_condition_holds(op, c, context) for op, c in (statement.get("Condition") or {}).items())
    )


def bucket_policy_allows(
    policy: dict[str, Any] | None, principal: str | None, action: str, resource: str, context: dict[str, str]
) -> bool:
    """An explicit Allow and no explicit Deny (a principal of another account has no other grant)."""
    statements = _values((policy or {}).get("Statement", []))
    applying = [s for s in statements if _statement_applies(s, principal, action, resource, context)]
    return any(s.get("Effect") == "Allow" for s in applying) and not any(
        s.get("Effect") == "Deny" for s in applying
    )


# --- response headers policies ----------------------------------------------------------------------
def _find(headers: dict[str, str], name: str) -> str | None:
    return next((k for k in headers if k.lower() == name.lower()), None)


def apply_response_headers_policy(config: dict[str, Any] | None, headers: dict[str, str]) -> dict[str, str]:
    """The origin's headers with the policy's removals, then its security and custom headers (an
    origin's header wins where Override is false)."""
    if not config:
        return headers
    removed = {i["Header"].lower() for i in (config.get("RemoveHeadersConfig") or {}).get("Items", [])}
    out = {k: v for k, v in headers.items() if k.lower() not in removed}

    def put(name: str, value: str, override: bool) -> None:
        existing = _find(out, name)
        if existing is not None:
            if not override:
                return
            del out[existing]
        out[name] = value

    security = config.get("SecurityHeadersConfig") or {}
    hsts = security.get("StrictTransportSecurity")
    if hsts:
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        put("Strict-Transport-Security", value, hsts["Override"])
    if security.get("ContentTypeOptions"):
        put("X-Content-Type-Options", "nosniff", security["ContentTypeOptions"]["Override"])
    if security.get("FrameOptions"):
        put("X-Frame-Options", security["FrameOptions"]["FrameOption"], security["FrameOptions"]["Override"])
    if security.get("ReferrerPolicy"):
        put(
            "Referrer-Policy",
            security["ReferrerPolicy"]["ReferrerPolicy"],
            security["ReferrerPolicy"]["Override"],
        )
    xss = security.get("XSSProtection")
    if xss:
        value = "1" if xss["Protection"] else "0"
        if xss["Protection"] and xss.get("ModeBlock"):
            value += "; mode=block"
        elif xss["Protection"] and xss.get("ReportUri"):
            value += f"; report={xss['ReportUri']}"
        put("X-XSS-Protection", value, xss["Override"])
    csp = security.get("ContentSecurityPolicy")
    if csp:
        put("Content-Security-Policy", csp["ContentSecurityPolicy"], csp["Override"])
    for item in (config.get("CustomHeadersConfig") or {}).get("Items", []):
        put(item["Header"], item["Value"], item["Override"])
    return out


# --- the edge -----------------------------------------------------------------------------------------
class Edge:
    def __init__(self, cloudfront: CloudFrontState, clients: Any, clock: Clock, outbox: Outbox) -> None:
        self.cloudfront = cloudfront
        self.clients = clients
        self.clock = clock
        self.outbox = outbox

    def serve(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        viewer_ip: str = "127.0.0.1",
    ) -> ViewerResponse:
        """The answer to a viewer's `method url` (the scheme and host as the viewer used them)."""
        parts = urlsplit(url)
        request_headers = {k.lower(): v for k, v in (headers or {}).items()}
        distribution = self.cloudfront.distribution_for(parts.hostname or "")
        behavior: dict[str, Any] = {}
        try:
            if distribution is None:
                response = not_satisfied(404, f"No distribution answers for {parts.hostname}.").response
            else:
                behavior = cache_behavior(distribution["DistributionConfig"], parts.path or "/")
                response = self._answer(
                    distribution, behavior, method.upper(), parts, request_headers, viewer_ip
                )
        except Refusal as refusal:
            response = refusal.response
        except Exception as exc:  # the viewer gets CloudFront's 502, the log the local stack's fault
            log.exception("the local edge failed on %s %s", method, url)
            response = not_satisfied(502, f"The local edge failed: {type(exc).__name__}").response
        response.headers.update(_cloudfront_headers(response.status))
        self.outbox.record(
            "cloudfront",
            "ViewerRequest",
            {
                "method": method.upper(),
                "url": url,
                "distributionId": distribution["Id"] if distribution else None,
                "pathPattern": behavior.get("PathPattern", "Default (*)") if behavior else None,
            },
            response={"status": response.status, **response.log},
        )
        return response

    def _answer(
        self,
        distribution: dict[str, Any],
        behavior: dict[str, Any],
        method: str,
        parts: Any,
        headers: dict[str, str],
        viewer_ip: str,
    ) -> ViewerResponse:
        config = distribution["DistributionConfig"]
        if not config.get("Enabled", True):
            raise not_satisfied(403, "The distribution is disabled.")
        scheme = parts.scheme.lower()
        protocol_policy = behavior.get("ViewerProtocolPolicy", "allow-all")
        if scheme != "https" and protocol_policy == "https-only":
            raise not_satisfied(403, "This distribution only answers HTTPS requests.")
        if scheme != "https" and protocol_policy == "redirect-to-https":
            location = f"https://{parts.netloc}{parts.path or '/'}" + (
                f"?{parts.query}" if parts.query else ""
            )
            raise Refusal(
                ViewerResponse(
                    301, {"Location": location, "Server": "CloudFront", "Content-Length": "0"}, b""
                )
            )
        allowed = (behavior.get("AllowedMethods") or {}).get("Items") or ["GET", "HEAD"]
        if method not in allowed:
            raise not_satisfied(
                403,
                "This distribution is not configured to allow the HTTP request method "
                "that was used for this request.",
            )
        groups = behavior.get("TrustedKeyGroups") or {}
        if groups.get("Enabled") and groups.get("Items"):
            query = without_signing(parts.query)
            resource = f"{scheme}://{parts.netloc}{parts.path or '/'}" + (f"?{query}" if query else "")
            verify_signed(
                signing_values(parts.query, headers.get("cookie")),
                resource,
                lambda key_id: self._trusted_key(key_id, groups["Items"]),
                self.clock.now().timestamp(),
                headers.get("x-forwarded-for", viewer_ip).split(",")[0].strip(),
            )
        origin = next((o for o in config["Origins"]["Items"] if o["Id"] == behavior["TargetOriginId"]), None)
        if origin is None:
            raise not_satisfied(502, "The cache behavior names no origin of the distribution.")
        key = unquote(parts.path or "/").lstrip("/")
        if not key and config.get("DefaultRootObject"):
            key = config["DefaultRootObject"]
        prefix = (origin.get("OriginPath") or "").strip("/")
        key = f"{prefix}/{key}" if prefix else key
        response = self._from_s3(distribution, origin, method, key, headers, scheme)
        policy = self.cloudfront.policy_config(
            "ResponseHeadersPolicy", behavior.get("ResponseHeadersPolicyId")
        )
        response.headers = apply_response_headers_policy(policy, response.headers)
        return response

    def _trusted_key(self, key_id: str, group_ids: list[str]) -> str | None:
        cloudfront = self.clients.client("cloudfront")
        for group_id in group_ids:
            try:
                group = cloudfront.get_key_group(Id=group_id)["KeyGroup"]["KeyGroupConfig"]
                if key_id in group["Items"]:
                    return cloudfront.get_public_key(Id=key_id)["PublicKey"]["PublicKeyConfig"]["EncodedKey"]
            except ClientError:
                continue
        return None

    def _signs(self, origin: dict[str, Any]) -> bool:
        """Whether CloudFront signs its requests to the origin (an origin access control that does)."""
        control_id = origin.get("OriginAccessControlId")
        if not control_id:
            return False
        try:
            control = self.clients.client("cloudfront").get_origin_access_control(Id=control_id)
        except ClientError:
            return False
        return control["OriginAccessControl"]["OriginAccessControlConfig"]["SigningBehavior"] != "never"

    def _from_s3(
        self,
        distribution: dict[str, Any],
        origin: dict[str, Any],
        method: str,
        key: str,
        headers: dict[str, str],
        scheme: str,
    ) -> ViewerResponse:
        bucket = s3_bucket(origin["DomainName"])
        if bucket is None:
            raise not_satisfied(502, "The local stack's CloudFront reads S3 origins only.")
        s3 = self.clients.client("s3")
        try:
            policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NoSuchBucket":
                return s3_error(404, "NoSuchBucket", "The specified bucket does not exist")
            policy = None
        principal = "cloudfront.amazonaws.com" if self._signs(origin) else None
        context = {
            "aws:sourcearn": distribution["ARN"],
            "aws:sourceaccount": distribution["ARN"].split(":")[4],
            "aws:securetransport": "true" if scheme == "https" else "false",
        }
        arn = f"arn:aws:s3:::{bucket}"
        if not key or not bucket_policy_allows(policy, principal, "s3:GetObject", f"{arn}/{key}", context):
            return s3_error(403, "AccessDenied", "Access Denied")
        request: dict[str, Any] = {"Bucket": bucket, "Key": key}
        for header, parameter in _CONDITIONAL.items():
            if header in headers and (method == "GET" or parameter != "Range"):
                request[parameter] = headers[header]
        try:
            answer = s3.get_object(**request) if method == "GET" else s3.head_object(**request)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
            if code in ("NoSuchKey", "404"):
                if bucket_policy_allows(policy, principal, "s3:ListBucket", arn, context):
                    return s3_error(404, "NoSuchKey", "The specified key does not exist.")
                return s3_error(403, "AccessDenied", "Access Denied")  # S3 hides what is missing
            if status == 304:
                etag = exc.response["ResponseMetadata"].get("HTTPHeaders", {}).get("etag", "")
                return ViewerResponse(
                    304, {"ETag": etag, "Server": "AmazonS3"}, b"", {"origin": "not modified"}
                )
            return s3_error(status, code, exc.response["Error"].get("Message", code))
        out = {"Server": "AmazonS3"}
        for field_name, header in _OBJECT_HEADERS.items():
            if answer.get(field_name) not in (None, ""):
                value = answer[field_name]
                out[header] = (
                    format_datetime(value.astimezone(UTC), usegmt=True)
                    if header == "Last-Modified"
                    else str(value)
                )
        for name, value in (answer.get("Metadata") or {}).items():
            out[f"x-amz-meta-{name}"] = value
        status = 206 if "ContentRange" in answer else 200
        body = _stream(answer["Body"]) if method == "GET" else b""
        return ViewerResponse(status, out, body, {"origin": f"s3://{bucket}/{quote(key)}"})


def _stream(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


# --- the client of the control port's route ------------------------------------------------------
class Fetched(NamedTuple):
    status: int
    headers: Any  # case-insensitive
    body: bytes


def fetch(
    control_url: str, url: str, method: str = "GET", headers: Mapping[str, str] | None = None
) -> Fetched:
    """`method url` through the local stack's CloudFront, as a browser would ask (redirects are
    answered, not followed; the body as it came, not decoded)."""
    parts = urlsplit(url)
    route = f"{control_url}/cloudfront/{parts.netloc}{parts.path or '/'}" + (
        f"?{parts.query}" if parts.query else ""
    )
    response = requests.request(
        method,
        route,
        headers={"X-Forwarded-Proto": parts.scheme or "https", **(headers or {})},
        allow_redirects=False,
        stream=True,
        timeout=60,
    )
    with response:
        body = response.raw.read(decode_content=False)
    return Fetched(response.status_code, response.headers, body)
