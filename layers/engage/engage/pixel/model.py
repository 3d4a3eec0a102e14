"""The GTM tracking pixel (A27): `GET /events?event=<type>&endpoint_id=<id>[&timestamp=...]
[&evat_<name>=<value>...][&usat_<name>=<value>...][&token=<token>]`, fired by a Google Tag Manager
Custom Image tag. Every request is answered with a 1x1 transparent GIF that no cache keeps, also when
its input is bad: a tag must never break a page.

What a request may do:
- record an event, anonymously: `event` (a custom event type; the `_` prefix is Pinpoint's own
  events and can't be forged from a browser), `endpoint_id`, an optional `timestamp` (ISO 8601 or
  epoch milliseconds, at most MAX_AGE old and MAX_SKEW ahead) and `evat_` attributes;
- change user attributes (`usat_`), only for names on the deployment's allow-list and only with a
  token the customer's backend minted (`mint_token`: an HMAC over the application, the endpoint id
  and an expiry, under the pixel secret's current key; the previous key is accepted while it
  rotates). Without a valid token, or for other names, the attributes are dropped and the event
  is still recorded;
- come only from allowed sites, when the deployment lists them (its Origin, or else its Referer);
- every event carries `pixel_signed` ("true" with a valid token, else "false"): an anonymous hit
  can name any endpoint id, so a campaign triggered by pixel events should filter on it;
- hold at most `max_parameters` parameters of bounded length (Pinpoint's limits for attributes).

Unknown parameters (GTM's cache busters) are ignored. The request's id is the event's id, so a
queue message processed twice records one event."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from engage.contacts.model import check_app_id, check_endpoint_id
from engage.errors import ValidationError
from engage.events import EVENT_TYPE_TEXT, printable_event_type
from engage.signed_tokens import sign, verify

# GIF89a, 1x1, one transparent pixel
GIF_BASE64 = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
GIF = base64.b64decode(GIF_BASE64)
GIF_HEADERS = {
    "Content-Type": "image/gif",
    "Cache-Control": "no-store, no-cache, must-revalidate, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
}
EVENT_PREFIX, USER_PREFIX = "evat_", "usat_"
MAX_EVENT_TYPE = 50  # Pinpoint's limits
MAX_NAME = 50
MAX_EVENT_VALUE = 200
MAX_USER_VALUE = 100
MAX_TOKEN = 512
MAX_AGE_SECONDS = 7 * 86400  # an older timestamp is refused
MAX_SKEW_SECONDS = 300  # a browser's clock may be a few minutes ahead, not more
SIGNED_ATTRIBUTE = "pixel_signed"  # every pixel event says whether a valid token came with it
TOKEN_USE = "pixel"  # noqa: S105 - not a secret: a token's `u` claim: a token minted for another use is refused here


class PixelRefused(ValidationError):
    """A request that records nothing; `code` names the reason in the metrics (no PII)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code


@dataclass(frozen=True)
class PixelRules:
    app_id: str
    user_attributes: frozenset[str] = frozenset()  # the names `usat_` may set
    allowed_origins: frozenset[str] = frozenset()  # scheme://host[:port]; empty: any site
    max_parameters: int = 40


@dataclass(frozen=True)
class PixelHit:
    app_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    timestamp: str  # ISO 8601, UTC
    attributes: dict[str, str] = field(default_factory=dict)
    user_attributes: dict[str, list[str]] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()  # why parameters were left out (metric names)

    def to_body(self) -> str:
        return json.dumps(
            {
                "ApplicationId": self.app_id,
                "EndpointId": self.endpoint_id,
                "EventId": self.event_id,
                "EventType": self.event_type,
                "Timestamp": self.timestamp,
                "Attributes": self.attributes,
                "UserAttributes": self.user_attributes,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )


def mint_token(secrets: Sequence[bytes], app_id: str, endpoint_id: str, ttl_seconds: int, now: float) -> str:
    """The token that lets the pixel change `endpoint_id`'s allowed user attributes until
    `now + ttl_seconds`: for the customer's backend, which renders it into the page of a signed-in
    visitor."""
    if ttl_seconds <= 0:
        raise ValidationError("ttl", "must be a positive number of seconds")
    check_app_id(app_id)
    check_endpoint_id(endpoint_id)
    return sign(secrets, {"a": app_id, "e": endpoint_id, "u": TOKEN_USE, "x": int(now) + ttl_seconds})


def read_hit(
    parameters: Mapping[str, Sequence[str]],
    headers: Mapping[str, str],
    request_id: str,
    now: float,
    rules: PixelRules,
    secrets: Sequence[bytes] | Any = (),
) -> PixelHit:
    """The hit a request records; PixelRefused when it records nothing. `secrets` (the pixel
    secret's keys, or a callable returning them) is read only when the request carries user
    attributes."""
    _check_origin(headers, rules.allowed_origins)
    count = sum(len(values) for values in parameters.values())
    if count > rules.max_parameters:
        raise PixelRefused("too_many_parameters", f"{count} parameters; at most {rules.max_parameters}")
    event_type = _one(parameters, "event", "missing_event")
    if len(event_type) > MAX_EVENT_TYPE or event_type.startswith("_"):
        raise PixelRefused(
            "bad_event", f"event is a custom event type of at most {MAX_EVENT_TYPE} characters"
        )
    if not printable_event_type(event_type):
        raise PixelRefused("bad_event", f"event must be {EVENT_TYPE_TEXT}")
    endpoint_id = _one(parameters, "endpoint_id", "missing_endpoint_id")
    try:
        check_endpoint_id(endpoint_id)
    except ValidationError:
        raise PixelRefused("bad_endpoint_id", "endpoint_id is not a valid endpoint id") from None
    timestamp = _timestamp(parameters.get("timestamp"), now)
    attributes = {}
    users: dict[str, list[str]] = {}
    for name, values in parameters.items():
        if name.startswith(EVENT_PREFIX):
            attributes[_name(name, EVENT_PREFIX)] = _value(values[-1], MAX_EVENT_VALUE, name)
        elif name.startswith(USER_PREFIX):
            users[_name(name, USER_PREFIX)] = [_value(v, MAX_USER_VALUE, name) for v in values]
    token = (parameters.get("token") or [""])[-1]
    signed = bool(token) and _verified(token, endpoint_id, now, rules, secrets)
    dropped: list[str] = []
    if users and not token:
        users, dropped = {}, ["user_attributes_unsigned"]
    elif users and not signed:
        users, dropped = {}, ["user_attributes_bad_token"]
    elif users:
        allowed = {name: values for name, values in users.items() if name in rules.user_attributes}
        dropped = ["user_attributes_not_allowed"] if len(allowed) < len(users) else []
        users = allowed
    # Campaigns triggered by pixel events can require Attributes.pixel_signed = "true": an
    # anonymous hit can name any endpoint id.
    attributes[SIGNED_ATTRIBUTE] = "true" if signed else "false"
    return PixelHit(
        rules.app_id, endpoint_id, request_id, event_type, timestamp, attributes, users, tuple(dropped)
    )


def _verified(
    token: str, endpoint_id: str, now: float, rules: PixelRules, secrets: Sequence[bytes] | Any
) -> bool:
    """Whether the token is the backend's for this application and endpoint, and unexpired."""
    keys = secrets() if callable(secrets) else secrets
    try:
        claims = verify(token[:MAX_TOKEN], keys, now)
    except ValidationError:
        return False
    return (claims.get("a"), claims.get("e"), claims.get("u")) == (rules.app_id, endpoint_id, TOKEN_USE)


def _check_origin(headers: Mapping[str, str], allowed: frozenset[str]) -> None:
    if not allowed:
        return
    lowered = {k.lower(): v for k, v in headers.items()}
    source = lowered.get("origin") or lowered.get("referer") or ""
    parts = urlsplit(source)
    if not parts.scheme or f"{parts.scheme}://{parts.netloc}".lower() not in allowed:
        raise PixelRefused("origin_not_allowed", "the request's Origin or Referer is not an allowed site")


def allowed_origin(headers: Mapping[str, str], allowed: frozenset[str]) -> str | None:
    """The Origin to answer in Access-Control-Allow-Origin, when it is an allowed one."""
    origin = next((v for k, v in headers.items() if k.lower() == "origin"), None)
    if origin and (not allowed or origin.lower() in allowed):
        return origin
    return None


def _one(parameters: Mapping[str, Sequence[str]], name: str, code: str) -> str:
    values = parameters.get(name) or []
    value = values[-1].strip() if values else ""
    if not value:
        raise PixelRefused(code, f"{name} is required")
    return value


def _name(parameter: str, prefix: str) -> str:
    name = parameter[len(prefix) :]
    if not name or len(name) > MAX_NAME:
        raise PixelRefused("bad_attribute", f"attribute names are 1 to {MAX_NAME} characters")
    return name


def _value(value: str, limit: int, parameter: str) -> str:
    if len(value) > limit:
        raise PixelRefused("bad_attribute", f"{parameter} is longer than {limit} characters")
    return value


def _timestamp(values: Sequence[str] | None, now: float) -> str:
    if not values or not values[-1].strip():
        return _iso(now)
    text = values[-1].strip()
    try:
        if text.isdigit():
            at = int(text) / 1000
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            at = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError):
        raise PixelRefused("bad_timestamp", "timestamp is ISO 8601 or epoch milliseconds") from None
    if not math.isfinite(at) or at < now - MAX_AGE_SECONDS or at > now + MAX_SKEW_SECONDS:
        raise PixelRefused("bad_timestamp", "timestamp is more than 7 days old or in the future")
    return _iso(at)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def events_request(hit: Mapping[str, Any]) -> dict[str, Any]:
    """A queued hit as Pinpoint's EventsRequest, for engage.api.ingest.put_events."""
    item: dict[str, Any] = {
        "Events": {
            hit["EventId"]: {
                "EventType": hit["EventType"],
                "Timestamp": hit["Timestamp"],
                "Attributes": hit.get("Attributes") or {},
            }
        }
    }
    if hit.get("UserAttributes"):
        item["Endpoint"] = {"User": {"UserAttributes": hit["UserAttributes"]}}
    return {"BatchItem": {hit["EndpointId"]: item}}
