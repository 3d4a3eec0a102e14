"""Pinpoint's endpoint model: validating an endpoint request and merging it into a stored endpoint
with UpdateEndpoint's rules. Endpoints stay plain dicts in Pinpoint's JSON shape (EndpointRequest in,
EndpointResponse out), so that what the API, the import files and the event stream carry is exactly
what is stored."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engage import clock
from engage.addresses import ChannelType, check_address, parse_channel
from engage.errors import LimitExceededError, ValidationError

Endpoint = dict[str, Any]

# Name of each custom-attribute family, as Pinpoint spells the parameter.
ATTRIBUTE_KINDS = ("Attributes", "Metrics", "UserAttributes")
REQUEST_FIELDS = frozenset(
    {
        "Address",
        "Attributes",
        "ChannelType",
        "Demographic",
        "EffectiveDate",
        "EndpointStatus",
        "Location",
        "Metrics",
        "OptOut",
        "RequestId",
        "User",
    }
)
LOCATION_STRINGS = frozenset({"City", "Country", "PostalCode", "Region"})
LOCATION_NUMBERS = {"Latitude": (-90.0, 90.0), "Longitude": (-180.0, 180.0)}
DEMOGRAPHIC_FIELDS = frozenset(
    {"AppVersion", "Locale", "Make", "Model", "ModelVersion", "Platform", "PlatformVersion", "Timezone"}
)
OPT_OUT_VALUES = frozenset({"ALL", "NONE"})
STATUS_VALUES = frozenset({"ACTIVE", "INACTIVE"})
_APP_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_ID_LENGTH = 256


@dataclass(frozen=True)
class Quotas:
    """Pinpoint's endpoint quotas (developer guide, "Endpoint quotas"); the per-application name
    quota was eligible for increase there, so it is a setting here too."""

    attribute_name_length: int = 50
    attribute_value_length: int = 100
    values_per_attribute: int = 50
    attribute_names_per_app: int = 250  # Attributes, Metrics and UserAttributes together
    endpoints_per_user: int = 15
    endpoint_bytes: int = 15 * 1024
    batch_items: int = 100
    batch_bytes: int = 7 * 1024 * 1024


DEFAULT_QUOTAS = Quotas()


def now_iso() -> str:
    return clock.iso_now()


def check_app_id(app_id: object) -> str:
    if not isinstance(app_id, str) or not _APP_ID.match(app_id):
        raise ValidationError("ApplicationId", "must be 1 to 64 letters, digits, '-' or '_'")
    return app_id


def check_endpoint_id(endpoint_id: object, field: str = "Id") -> str:
    if not isinstance(endpoint_id, str) or not endpoint_id.strip():
        raise ValidationError(field, "an endpoint id is required")
    if len(endpoint_id) > MAX_ID_LENGTH:
        raise ValidationError(field, f"is longer than {MAX_ID_LENGTH} characters")
    if "$" in endpoint_id or "{" in endpoint_id or "}" in endpoint_id or not endpoint_id.isprintable():
        raise ValidationError(field, "can't contain $, {, } or control characters")
    return endpoint_id


def cohort_id(app_id: str, endpoint_id: str) -> str:
    """Pinpoint's CohortId: a stable bucket 0-99 holding about 1% of an application's endpoints."""
    digest = hashlib.sha256(f"{app_id}/{endpoint_id}".encode()).digest()
    return str(int.from_bytes(digest[:8], "big") % 100)


def check_name(name: object, field: str, quotas: Quotas) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(field, "attribute names can't be empty")
    if len(name) > quotas.attribute_name_length:
        raise LimitExceededError(
            f"{field}.{name[:60]}", f"attribute name is longer than {quotas.attribute_name_length} characters"
        )
    if any(not c.isprintable() for c in name):
        raise ValidationError(f"{field}.{name}", "attribute names can't contain control characters")
    return name


def _check_string_lists(value: object, field: str, quotas: Quotas) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        raise ValidationError(field, "must be a map of attribute name to a list of strings")
    checked: dict[str, list[str]] = {}
    for name, values in value.items():
        check_name(name, field, quotas)
        path = f"{field}.{name}"
        if isinstance(values, str) or not isinstance(values, list):
            raise ValidationError(path, "must be a list of strings")
        if len(values) > quotas.values_per_attribute:
            raise LimitExceededError(
                path, f"has {len(values)} values; at most {quotas.values_per_attribute} allowed"
            )
        for item in values:
            if not isinstance(item, str):
                raise ValidationError(path, f"values must be strings, got {type(item).__name__}")
            if len(item) > quotas.attribute_value_length:
                raise LimitExceededError(
                    path, f"a value is longer than {quotas.attribute_value_length} characters"
                )
        checked[name] = list(values)
    return checked


def _check_number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(field, "must be a finite number")
    return float(value)


def _check_metrics(value: object, quotas: Quotas) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ValidationError("Metrics", "must be a map of metric name to a number")
    return {
        check_name(name, "Metrics", quotas): _check_number(v, f"Metrics.{name}") for name, v in value.items()
    }


def valid_country(code: str) -> bool:
    """Whether `code` (upper case) is an ISO 3166-1 alpha-2 code in form."""
    return bool(_COUNTRY.match(code))


@cache
def is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder, or too long
        return False
    return True


def _check_iso_date(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be an ISO 8601 date and time")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"{value[:40]!r} is not an ISO 8601 date and time") from None
    return value


def _check_string_fields(value: object, field: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(field, "must be an object")
    for key, item in value.items():
        if key not in allowed and key not in LOCATION_NUMBERS:
            raise ValidationError(
                f"{field}.{key}", f"unknown field; expected one of {', '.join(sorted(allowed))}"
            )
        if key in allowed and not isinstance(item, str):
            raise ValidationError(f"{field}.{key}", "must be a string")
    return dict(value)


def _check_location(value: object) -> dict[str, Any]:
    location = _check_string_fields(value, "Location", LOCATION_STRINGS)
    for key, (low, high) in LOCATION_NUMBERS.items():
        if key in location:
            number = _check_number(location[key], f"Location.{key}")
            if not low <= number <= high:
                raise ValidationError(f"Location.{key}", f"must be between {low} and {high}")
            location[key] = number
    if "Country" in location:
        location["Country"] = location["Country"].strip().upper()
        if not valid_country(location["Country"]):
            raise ValidationError("Location.Country", "must be an ISO 3166-1 alpha-2 code such as US")
    return location


def _check_demographic(value: object) -> dict[str, Any]:
    demographic = _check_string_fields(value, "Demographic", DEMOGRAPHIC_FIELDS)
    for key in LOCATION_NUMBERS:
        if key in demographic:
            raise ValidationError(f"Demographic.{key}", "unknown field")
    timezone = demographic.get("Timezone")
    if timezone is not None and not is_timezone(timezone):
        raise ValidationError(
            "Demographic.Timezone", f"{timezone[:60]!r} is not a tz database name such as America/Los_Angeles"
        )
    return demographic


def _check_user(value: object, quotas: Quotas) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError("User", "must be an object")
    unknown = set(value) - {"UserId", "UserAttributes"}
    if unknown:
        raise ValidationError(
            f"User.{sorted(unknown)[0]}", "unknown field; expected UserId or UserAttributes"
        )
    user: dict[str, Any] = {}
    if "UserId" in value:
        user_id = value["UserId"]
        if not isinstance(user_id, str) or len(user_id) > MAX_ID_LENGTH:
            raise ValidationError("User.UserId", f"must be a string of at most {MAX_ID_LENGTH} characters")
        user["UserId"] = user_id.strip()
    if "UserAttributes" in value:
        user["UserAttributes"] = _check_string_lists(value["UserAttributes"], "UserAttributes", quotas)
    return user


def _check_enum(value: object, field: str, allowed: frozenset[str]) -> str:
    text = str(value).strip().upper() if isinstance(value, str) else ""
    if text not in allowed:
        raise ValidationError(field, f"must be one of {', '.join(sorted(allowed))}")
    return text


def validate_request(request: object, quotas: Quotas = DEFAULT_QUOTAS) -> Endpoint:
    """Checks an EndpointRequest (UpdateEndpoint's body) and returns its normalised copy.

    Every field is optional here; what a *new* endpoint needs is checked when it is merged.
    """
    if not isinstance(request, Mapping):
        raise ValidationError("EndpointRequest", "must be an object")
    unknown = set(request) - REQUEST_FIELDS
    if unknown:
        raise ValidationError(sorted(unknown)[0], "unknown endpoint field")
    checked: Endpoint = {}
    if "ChannelType" in request:
        checked["ChannelType"] = parse_channel(request["ChannelType"]).value
    if "Address" in request:
        if "ChannelType" not in checked:
            raise ValidationError("ChannelType", "is required with an Address, so the address can be checked")
        checked["Address"] = check_address(ChannelType(checked["ChannelType"]), request["Address"])
    if "Attributes" in request:
        checked["Attributes"] = _check_string_lists(request["Attributes"], "Attributes", quotas)
    if "Metrics" in request:
        checked["Metrics"] = _check_metrics(request["Metrics"], quotas)
    if "User" in request:
        checked["User"] = _check_user(request["User"], quotas)
    if "Location" in request:
        checked["Location"] = _check_location(request["Location"])
    if "Demographic" in request:
        checked["Demographic"] = _check_demographic(request["Demographic"])
    if "OptOut" in request:
        checked["OptOut"] = _check_enum(request["OptOut"], "OptOut", OPT_OUT_VALUES)
    if "EndpointStatus" in request:
        checked["EndpointStatus"] = _check_enum(request["EndpointStatus"], "EndpointStatus", STATUS_VALUES)
    if "EffectiveDate" in request:
        checked["EffectiveDate"] = _check_iso_date(request["EffectiveDate"], "EffectiveDate")
    if "RequestId" in request:
        if not isinstance(request["RequestId"], str):
            raise ValidationError("RequestId", "must be a string")
        checked["RequestId"] = request["RequestId"]
    return checked


def _merge_lists(
    current: Mapping[str, list[str]] | None, update: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """A named attribute's values are replaced whole; an empty list removes the attribute."""
    merged = dict(current or {})
    for name, values in update.items():
        if values:
            merged[name] = list(values)
        else:
            merged.pop(name, None)
    return merged


def merge(
    existing: Endpoint | None, request: Endpoint, *, app_id: str, endpoint_id: str, now: str
) -> Endpoint:
    """Applies a validated request to an endpoint with UpdateEndpoint's rules: fields sent replace
    the stored ones, fields not sent are kept; custom attributes and metrics are replaced per name;
    Location, Demographic and User merge field by field; EffectiveDate becomes the update time unless
    sent. A new endpoint needs a ChannelType and (but for IN_APP) an Address."""
    endpoint: Endpoint = copy.deepcopy(existing) if existing else {}
    for scalar in ("ChannelType", "Address", "OptOut", "EndpointStatus", "RequestId"):
        if scalar in request:
            endpoint[scalar] = request[scalar]
    if "Attributes" in request:
        endpoint["Attributes"] = _merge_lists(endpoint.get("Attributes"), request["Attributes"])
    for section in ("Metrics", "Location", "Demographic"):
        if section in request:
            endpoint[section] = {**endpoint.get(section, {}), **request[section]}
    if "User" in request:
        user = dict(endpoint.get("User", {}))
        if "UserId" in request["User"]:
            user["UserId"] = request["User"]["UserId"]
            if not user["UserId"]:
                user.pop("UserId")
        if "UserAttributes" in request["User"]:
            user["UserAttributes"] = _merge_lists(
                user.get("UserAttributes"), request["User"]["UserAttributes"]
            )
        endpoint["User"] = user
    if "ChannelType" not in endpoint:
        raise ValidationError("ChannelType", "is required to create an endpoint")
    channel = ChannelType(endpoint["ChannelType"])
    if channel is not ChannelType.IN_APP and "Address" not in endpoint:
        raise ValidationError("Address", f"is required to create a {channel} endpoint")
    if "Address" in endpoint and "Address" not in request and "ChannelType" in request:
        check_address(channel, endpoint["Address"])  # a channel change must still fit the stored address
    endpoint["EffectiveDate"] = request.get("EffectiveDate", now)
    endpoint.setdefault("CreationDate", now)
    endpoint.setdefault("OptOut", "NONE")
    endpoint.setdefault("EndpointStatus", "ACTIVE")
    endpoint["ApplicationId"] = app_id
    endpoint["Id"] = endpoint_id
    endpoint["CohortId"] = cohort_id(app_id, endpoint_id)
    for family in ("Attributes", "Metrics", "Location", "Demographic", "User"):
        if family in endpoint and not endpoint[family]:
            del endpoint[family]
    return endpoint


def endpoint_size(endpoint: Endpoint) -> int:
    return len(json.dumps(endpoint, separators=(",", ":"), ensure_ascii=False).encode())


def check_size(endpoint: Endpoint, quotas: Quotas = DEFAULT_QUOTAS) -> None:
    size = endpoint_size(endpoint)
    if size > quotas.endpoint_bytes:
        raise LimitExceededError(
            "Endpoint", f"is {size} bytes; an endpoint may hold at most {quotas.endpoint_bytes}"
        )


def attribute_names(request: Endpoint) -> dict[str, set[str]]:
    """The custom attribute names a request defines, per family (empty lists define nothing)."""
    return {
        "Attributes": {k for k, v in request.get("Attributes", {}).items() if v},
        "Metrics": set(request.get("Metrics", {})),
        "UserAttributes": {k for k, v in request.get("User", {}).get("UserAttributes", {}).items() if v},
    }


def user_id(endpoint: Endpoint | None) -> str | None:
    return ((endpoint or {}).get("User") or {}).get("UserId") or None
