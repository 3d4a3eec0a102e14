"""Pinpoint's WriteSegmentRequest checked and turned into a SegmentResponse, and a segment's
definition turned into what evaluation needs: a predicate over one endpoint, the channels that can
possibly match (so evaluation reads only those), and the one imported segment it may be built on."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engage.addresses import ChannelType
from engage.contacts.model import check_app_id, now_iso
from engage.errors import ValidationError
from engage.segments.dimensions import check_dimensions, in_groups, matches

MAX_NAME_LENGTH = 64
MAX_GROUPS = 5  # Pinpoint's SegmentGroupList quota
MAX_DIMENSION_SETS = 5
COMBINATIONS = frozenset({"ALL", "ANY", "NONE"})
SOURCE_TYPES = frozenset({"ALL", "ANY"})

Predicate = Callable[[Mapping[str, Any]], bool]


def new_segment(app_id: str, request: Mapping[str, Any], segment_id: str | None = None) -> dict[str, Any]:
    """Pinpoint's SegmentResponse for a CreateSegment request (a DIMENSIONAL segment, version 1)."""
    check_app_id(app_id)
    checked = check_request(request)
    now = now_iso()
    return {
        "Id": segment_id or uuid.uuid4().hex,
        "ApplicationId": app_id,
        "SegmentType": "DIMENSIONAL",
        "CreationDate": now,
        "LastModifiedDate": now,
        "Version": 1,
        **checked,
    }


def check_request(request: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(request, Mapping):
        raise ValidationError("WriteSegmentRequest", "must be an object")
    name = request.get("Name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise ValidationError("Name", f"must be 1 to {MAX_NAME_LENGTH} characters")
    if not request.get("Dimensions") and not request.get("SegmentGroups"):
        raise ValidationError("WriteSegmentRequest", "needs Dimensions or SegmentGroups")
    checked: dict[str, Any] = {"Name": name}
    if request.get("Dimensions"):
        _check_dimension_object(request["Dimensions"], "Dimensions")
        checked["Dimensions"] = dict(request["Dimensions"])
    if request.get("SegmentGroups"):
        checked["SegmentGroups"] = _check_groups(request["SegmentGroups"])
    if request.get("tags"):
        checked["tags"] = dict(request["tags"])
    return checked


def _check_dimension_object(dimensions: object, field: str) -> None:
    if not isinstance(dimensions, Mapping):
        raise ValidationError(field, "must be an object")
    check_dimensions(dimensions, field)


def _check_groups(groups: object) -> dict[str, Any]:
    if not isinstance(groups, Mapping) or not isinstance(groups.get("Groups"), list):
        raise ValidationError("SegmentGroups.Groups", "must be a list of groups")
    if not 1 <= len(groups["Groups"]) <= MAX_GROUPS:
        raise ValidationError("SegmentGroups.Groups", f"holds 1 to {MAX_GROUPS} groups")
    _check_choice(groups.get("Include", "ALL"), "SegmentGroups.Include", COMBINATIONS)
    for index, group in enumerate(groups["Groups"]):
        field = f"SegmentGroups.Groups[{index}]"
        if not isinstance(group, Mapping):
            raise ValidationError(field, "must be an object")
        _check_choice(group.get("Type", "ALL"), f"{field}.Type", COMBINATIONS)
        _check_choice(group.get("SourceType", "ALL"), f"{field}.SourceType", SOURCE_TYPES)
        sets = group.get("Dimensions") or []
        if not isinstance(sets, list) or len(sets) > MAX_DIMENSION_SETS:
            raise ValidationError(f"{field}.Dimensions", f"is a list of at most {MAX_DIMENSION_SETS}")
        for n, dimensions in enumerate(sets):
            _check_dimension_object(dimensions, f"{field}.Dimensions[{n}]")
        sources = group.get("SourceSegments") or []
        if sources and index:
            raise ValidationError(f"{field}.SourceSegments", "only the first group names source segments")
        for n, source in enumerate(sources):
            if not isinstance(source, Mapping) or not isinstance(source.get("Id"), str):
                raise ValidationError(f"{field}.SourceSegments[{n}].Id", "is required")
    return dict(groups)


def _check_choice(value: object, field: str, allowed: frozenset[str]) -> None:
    if value not in allowed:
        raise ValidationError(field, f"must be one of {sorted(allowed)}")


# --- evaluation plan -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """How to evaluate a segment: the population to read (an imported segment's members, or the
    application's endpoints on `channels`, all of them when None) and the predicate to keep."""

    predicate: Predicate
    channels: frozenset[str] | None
    imported_source: dict[str, Any] | None = None


def source_ids(segment: Mapping[str, Any]) -> list[str]:
    """The segments a segment is built on (its groups' SourceSegments), in order."""
    return [
        source["Id"]
        for group in (segment.get("SegmentGroups") or {}).get("Groups", [])
        for source in group.get("SourceSegments") or []
        if source.get("Id")
    ]


def plan(segment: Mapping[str, Any], resolve: Callable[[str], Mapping[str, Any]]) -> Plan:
    """`resolve(id)` returns a source segment's SegmentResponse (or raises NotFoundError)."""
    if segment.get("SegmentType") == "IMPORT":
        return Plan(lambda _e: True, None, dict(segment))
    groups = segment.get("SegmentGroups")
    dimensions = segment.get("Dimensions")
    tests: list[Predicate] = []
    channel_sets: list[frozenset[str] | None] = []
    imported: dict[str, Any] | None = None
    if dimensions:
        tests.append(lambda e: matches(e, dimensions))
        channel_sets.append(_dimension_channels(dimensions))
    if groups:
        tests.append(lambda e: in_groups(e, groups))
        channel_sets.append(_group_list_channels(groups))
        first = groups["Groups"][0]
        source_plans = [plan(resolve(s["Id"]), resolve) for s in first.get("SourceSegments") or []]
        populations = [p.imported_source for p in source_plans if p.imported_source is not None]
        if populations and len(source_plans) > 1:
            raise ValidationError(
                "SegmentGroups.Groups[0].SourceSegments",
                "an imported segment (or one built on it) is the only source a segment can have",
            )
        if populations:  # an imported source, or a segment built on one, with its own filters
            imported = populations[0]
            source = source_plans[0]
            tests.append(source.predicate)
        elif source_plans:
            combine = all if first.get("SourceType", "ALL") == "ALL" else any
            tests.append(lambda e: combine(p.predicate(e) for p in source_plans))
            channel_sets.append(
                _intersect([p.channels for p in source_plans])
                if combine is all
                else _union([p.channels for p in source_plans])
            )
    return Plan(lambda e: all(t(e) for t in tests), _intersect(channel_sets), imported)


def _dimension_channels(dimensions: Mapping[str, Any]) -> frozenset[str] | None:
    channel = (dimensions.get("Demographic") or {}).get("Channel")
    if not channel or channel.get("DimensionType", "INCLUSIVE") != "INCLUSIVE":
        return None
    known = {c.value for c in ChannelType}
    return frozenset(v.upper() for v in channel.get("Values") or [] if v.upper() in known)


def _group_list_channels(groups: Mapping[str, Any]) -> frozenset[str] | None:
    per_group = []
    for group in groups["Groups"]:
        sets = [_dimension_channels(d) for d in group.get("Dimensions") or []]
        kind = group.get("Type", "ALL")
        per_group.append(_intersect(sets) if kind == "ALL" else _union(sets) if kind == "ANY" else None)
    include = groups.get("Include", "ALL")
    return _intersect(per_group) if include == "ALL" else _union(per_group) if include == "ANY" else None


def _intersect(sets: list[frozenset[str] | None]) -> frozenset[str] | None:
    """Channels every restriction allows (None: unrestricted)."""
    known = [s for s in sets if s is not None]
    return frozenset.intersection(*known) if known else None


def _union(sets: list[frozenset[str] | None]) -> frozenset[str] | None:
    """Channels any alternative allows; one unrestricted alternative leaves it unrestricted."""
    if not sets or any(s is None for s in sets):
        return None
    return frozenset().union(*sets)
