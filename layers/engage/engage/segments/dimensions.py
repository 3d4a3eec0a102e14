"""Pinpoint's segment dimension model, evaluated against one endpoint at a time (so that a segment
streams over the contact store). Supported: Attributes and UserAttributes (INCLUSIVE, EXCLUSIVE,
CONTAINS, BEFORE, AFTER, ON, BETWEEN), Metrics (the five comparison operators), Demographic and
Location.Country (set dimensions), and segment groups (ALL, ANY, NONE; a group list's Include).
Behavior.Recency judges each endpoint's last activity (its latest event through PutEvents, kept by
the contact store): ACTIVE within the duration, or INACTIVE (no activity within it, or none at
all), on the stack's clock. GPS points need coordinates the store does not hold: they are refused
with a clear error rather than ignored."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from engage import clock
from engage.contacts.store import LAST_ACTIVITY
from engage.errors import ValidationError

ATTRIBUTE_TYPES = frozenset({"INCLUSIVE", "EXCLUSIVE", "CONTAINS", "BEFORE", "AFTER", "ON", "BETWEEN"})
COMPARISONS = {
    "GREATER_THAN": lambda a, b: a > b,
    "LESS_THAN": lambda a, b: a < b,
    "GREATER_THAN_OR_EQUAL": lambda a, b: a >= b,
    "LESS_THAN_OR_EQUAL": lambda a, b: a <= b,
    "EQUAL": lambda a, b: a == b,
}
DEMOGRAPHIC_DIMENSIONS = {
    "AppVersion": "AppVersion",
    "Make": "Make",
    "Model": "Model",
    "Platform": "Platform",
    "DeviceType": None,
    "Channel": None,
}
RECENCY = {
    "HR_24": timedelta(hours=24),
    "DAY_7": timedelta(days=7),
    "DAY_14": timedelta(days=14),
    "DAY_30": timedelta(days=30),
}
RECENCY_TYPES = ("ACTIVE", "INACTIVE")


def check_dimensions(dimensions: Mapping[str, Any], field: str = "Dimensions") -> None:
    """Refuses what can't be evaluated, naming the part (before any endpoint is read)."""
    behavior = dimensions.get("Behavior")
    if behavior is not None:
        recency = behavior.get("Recency") if isinstance(behavior, Mapping) else None
        if not isinstance(recency, Mapping):
            raise ValidationError(f"{field}.Behavior.Recency", "is required: Duration and RecencyType")
        if recency.get("Duration") not in RECENCY:
            raise ValidationError(f"{field}.Behavior.Recency.Duration", f"must be one of {sorted(RECENCY)}")
        if recency.get("RecencyType") not in RECENCY_TYPES:
            raise ValidationError(f"{field}.Behavior.Recency.RecencyType", "must be ACTIVE or INACTIVE")
    if "GPSPoint" in (dimensions.get("Location") or {}):
        raise ValidationError(
            f"{field}.Location.GPSPoint", "endpoints hold no coordinates to measure distance"
        )
    for family in ("Attributes", "UserAttributes"):
        for name, dimension in (dimensions.get(family) or {}).items():
            kind = dimension.get("AttributeType", "INCLUSIVE")
            if kind not in ATTRIBUTE_TYPES:
                raise ValidationError(
                    f"{field}.{family}.{name}.AttributeType", f"must be one of {sorted(ATTRIBUTE_TYPES)}"
                )
            if kind == "BETWEEN" and len(dimension.get("Values") or []) != 2:
                raise ValidationError(f"{field}.{family}.{name}.Values", "BETWEEN takes two values")
    for name, dimension in (dimensions.get("Metrics") or {}).items():
        if dimension.get("ComparisonOperator") not in COMPARISONS:
            raise ValidationError(
                f"{field}.Metrics.{name}.ComparisonOperator", f"must be one of {sorted(COMPARISONS)}"
            )


def matches(endpoint: Mapping[str, Any], dimensions: Mapping[str, Any]) -> bool:
    """Whether an endpoint is in the segment the dimensions describe (all of them must hold)."""
    attributes = endpoint.get("Attributes") or {}
    user_attributes = (endpoint.get("User") or {}).get("UserAttributes") or {}
    for family, held in (("Attributes", attributes), ("UserAttributes", user_attributes)):
        for name, dimension in (dimensions.get(family) or {}).items():
            if not attribute_matches(held.get(name) or [], dimension):
                return False
    for name, dimension in (dimensions.get("Metrics") or {}).items():
        value = (endpoint.get("Metrics") or {}).get(name)
        if value is None or not COMPARISONS[dimension["ComparisonOperator"]](
            value, float(dimension["Value"])
        ):
            return False
    demographic = endpoint.get("Demographic") or {}
    for name, dimension in (dimensions.get("Demographic") or {}).items():
        held = (
            endpoint.get("ChannelType")
            if name == "Channel"
            else demographic.get(DEMOGRAPHIC_DIMENSIONS.get(name))
        )
        if not in_set(held, dimension):
            return False
    country = (dimensions.get("Location") or {}).get("Country")
    if country and not in_set((endpoint.get("Location") or {}).get("Country"), country):
        return False
    recency = (dimensions.get("Behavior") or {}).get("Recency")
    return not recency or recent(endpoint.get(LAST_ACTIVITY), recency)


def recent(last_activity: str | None, recency: Mapping[str, Any]) -> bool:
    """Behavior.Recency: ACTIVE when the last activity is within the duration, INACTIVE otherwise."""
    moment = _moment(last_activity) if last_activity else None
    active = moment is not None and moment >= clock.now() - RECENCY[recency["Duration"]]
    return active if recency["RecencyType"] == "ACTIVE" else not active


def in_set(value: str | None, dimension: Mapping[str, Any]) -> bool:
    inside = value is not None and value.upper() in {v.upper() for v in dimension.get("Values") or []}
    return inside if dimension.get("DimensionType", "INCLUSIVE") == "INCLUSIVE" else not inside


def attribute_matches(held: list[str], dimension: Mapping[str, Any]) -> bool:
    kind = dimension.get("AttributeType", "INCLUSIVE")
    wanted = list(dimension.get("Values") or [])
    if kind == "INCLUSIVE":
        return any(v in wanted for v in held)
    if kind == "EXCLUSIVE":
        return not any(v in wanted for v in held)
    if kind == "CONTAINS":
        return any(w in v for v in held for w in wanted)
    moments = [m for m in (_moment(v) for v in held) if m is not None]
    bounds = [m for m in (_moment(v) for v in wanted) if m is not None]
    if not moments or not bounds:
        return False
    if kind == "BEFORE":
        return any(m < bounds[0] for m in moments)
    if kind == "AFTER":
        return any(m > bounds[0] for m in moments)
    if kind == "ON":
        return any(m.date() == bounds[0].date() for m in moments)
    low, high = sorted(bounds[:2])
    return any(low <= m <= high for m in moments)


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # a date alone is read as UTC


def in_groups(endpoint: Mapping[str, Any], group_list: Mapping[str, Any]) -> bool:
    """Pinpoint's SegmentGroupList: each group combines its dimensions with Type (ALL, ANY, NONE);
    the list combines its groups with Include (ALL, ANY, NONE)."""
    results = []
    for group in group_list.get("Groups") or []:
        found = [matches(endpoint, d) for d in group.get("Dimensions") or []]
        kind = group.get("Type", "ALL")
        if not found:  # a group of source segments only: no dimension filters them
            results.append(True)
            continue
        results.append(all(found) if kind == "ALL" else any(found) if kind == "ANY" else not any(found))
    include = group_list.get("Include", "ALL")
    return all(results) if include == "ALL" else any(results) if include == "ANY" else not any(results)
