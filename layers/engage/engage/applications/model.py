"""Pinpoint's applications and their settings, in botocore's shapes: `ApplicationResponse`
(Id, Arn, Name, tags, CreationDate) and `ApplicationSettingsResource` (CampaignHook, Limits,
QuietTime, JourneyLimits, LastModifiedDate).

An application's settings are the defaults its campaigns inherit, as Pinpoint applied them:
`Limits.MessagesPerSecond`, `Total` and `MaximumDuration`, the `CampaignHook` and the `QuietTime`
hold for every campaign that does not set its own; `Limits.Daily` (and `JourneyLimits.DailyCap`
for journeys) caps what one endpoint receives in a day across all of the application's campaigns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from engage.campaigns.model import check_hook, check_limits, check_quiet_time
from engage.errors import ValidationError

# Pinpoint's project ids: 32 lowercase hexadecimal digits. A migrating customer may keep theirs.
APPLICATION_ID = re.compile(r"^[0-9a-f]{32}$")
KEEP_ID_TAG = "engage:ApplicationId"  # on CreateApp: create the application under this id
MAX_APPLICATIONS = 100  # Pinpoint's quota per account and Region (not adjustable)
MAX_NAME_LENGTH = 64
MAX_TAGS = 50
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256
JOURNEY_CAPS = {"DailyCap": 100, "TotalCap": 100}
TIMEFRAME_BOUNDS = {"Cap": 100, "Days": 30}
SETTINGS_FIELDS = ("CampaignHook", "Limits", "QuietTime", "JourneyLimits")
SETTINGS_FLAGS = ("CloudWatchMetricsEnabled", "EventTaggingEnabled")
INHERITED_LIMITS = ("MessagesPerSecond", "Total", "MaximumDuration")


def application_arn_prefix(partition: str, region: str, account: str) -> str:
    """Pinpoint's application ARNs: arn:<partition>:mobiletargeting:<region>:<account>:apps/<id>."""
    return f"arn:{partition}:mobiletargeting:{region}:{account}:apps/"


def new_application(request: Any, arn_prefix: str, created: str, new_id: Callable[[], str]) -> dict[str, Any]:
    """The ApplicationResponse a CreateApplicationRequest makes. `arn_prefix` is
    `arn:<partition>:mobiletargeting:<region>:<account>:apps/`. The reserved tag KEEP_ID_TAG keeps
    an id the caller already has (a Pinpoint project's, when migrating); it is not stored as a tag."""
    if not isinstance(request, Mapping):
        raise ValidationError("CreateApplicationRequest", "must be an object")
    name = request.get("Name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise ValidationError("Name", f"is required: 1 to {MAX_NAME_LENGTH} characters")
    if any(not c.isprintable() for c in name):
        raise ValidationError("Name", "can't contain control characters")
    tags = check_tags(request.get("tags"))
    kept = tags.pop(KEEP_ID_TAG, None)
    if kept is not None and not APPLICATION_ID.match(kept):
        raise ValidationError(f"tags.{KEEP_ID_TAG}", "must be a project id: 32 lowercase hexadecimal digits")
    app_id = kept or new_id()
    return {
        "Arn": f"{arn_prefix}{app_id}",
        "Id": app_id,
        "Name": name,
        "tags": tags,  # Pinpoint answered {} for none
        "CreationDate": created,
    }


def check_tags(tags: Any) -> dict[str, str]:
    """AWS's tagging rules: at most 50 tags, keys of 1 to 128 and values of at most 256 characters,
    no `aws:` keys."""
    if tags is None:
        return {}
    if not isinstance(tags, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise ValidationError("tags", "must map tag keys to string values")
    if len(tags) > MAX_TAGS:
        raise ValidationError("tags", f"at most {MAX_TAGS} tags")
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY or key.lower().startswith("aws:"):
            raise ValidationError(f"tags.{key}", f"a key is 1 to {MAX_TAG_KEY} characters, not starting aws:")
        if len(value) > MAX_TAG_VALUE:
            raise ValidationError(f"tags.{key}", f"a value is at most {MAX_TAG_VALUE} characters")
    return dict(tags)


def updated_settings(current: Mapping[str, Any], request: Any, modified: str) -> dict[str, Any]:
    """The settings after a WriteApplicationSettingsRequest: each member it sends replaces the stored
    one whole, members it leaves out keep their value (as Pinpoint's partial updates did)."""
    if not isinstance(request, Mapping):
        raise ValidationError("WriteApplicationSettingsRequest", "must be an object")
    unknown = set(request) - set(SETTINGS_FIELDS) - set(SETTINGS_FLAGS)
    if unknown:
        raise ValidationError(sorted(unknown)[0], "is not an application setting")
    settings = {k: v for k, v in current.items() if k in SETTINGS_FIELDS + SETTINGS_FLAGS}
    checks: dict[str, Callable[[Any], Any]] = {
        "CampaignHook": _campaign_hook,
        "Limits": _application_limits,
        "QuietTime": lambda value: _quiet_time(value),
        "JourneyLimits": _journey_limits,
    }
    for name, check in checks.items():
        if name in request and request[name] is not None:
            settings[name] = check(request[name])
    for flag in SETTINGS_FLAGS:
        if flag in request and request[flag] is not None:
            if not isinstance(request[flag], bool):
                raise ValidationError(flag, "must be true or false")
            settings[flag] = request[flag]
    settings["LastModifiedDate"] = modified
    return settings


def settings_resource(app_id: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ApplicationSettingsResource GetApplicationSettings answers (flags are write-only in
    Pinpoint's model, so they are kept but not shown)."""
    resource: dict[str, Any] = {"ApplicationId": app_id}
    for name in (*SETTINGS_FIELDS, "LastModifiedDate"):
        if settings.get(name) not in (None, {}):
            resource[name] = settings[name]
    return resource


def with_settings(campaign: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """The campaign as it runs in its application: the application's MessagesPerSecond, Total and
    MaximumDuration where the campaign sets none, its CampaignHook when the campaign has neither a
    hook nor a custom channel, and its QuietTime on every schedule that names none. The
    application's Daily is not inherited: it caps each endpoint across campaigns (`daily_cap`)."""
    effective = dict(campaign)
    app_limits = settings.get("Limits") or {}
    limits = dict(campaign.get("Limits") or {})
    for name in INHERITED_LIMITS:
        if not limits.get(name) and app_limits.get(name):
            limits[name] = app_limits[name]
    if limits:
        effective["Limits"] = limits
    hook = settings.get("CampaignHook") or {}
    if hook.get("LambdaFunctionName") and not campaign.get("Hook"):
        if hook.get("Mode", "FILTER") == "FILTER":
            effective["Hook"] = {"LambdaFunctionName": hook["LambdaFunctionName"], "Mode": "FILTER"}
        elif not campaign.get("CustomDeliveryConfiguration"):
            # Pinpoint's deprecated DELIVERY mode: the function is the campaign's channel.
            effective["CustomDeliveryConfiguration"] = {
                "DeliveryUri": hook["LambdaFunctionName"],
                "EndpointTypes": [],
            }
    quiet = settings.get("QuietTime")
    if quiet:
        effective["Schedule"] = _with_quiet_time(campaign.get("Schedule"), quiet)
        effective["AdditionalTreatments"] = [
            {**t, "Schedule": _with_quiet_time(t["Schedule"], quiet)} if t.get("Schedule") else dict(t)
            for t in campaign.get("AdditionalTreatments") or []
        ]
    return effective


def daily_cap(settings: Mapping[str, Any]) -> int | None:
    """Messages one endpoint may receive per day across all of the application's campaigns (None:
    no cap; Pinpoint's 0 means no cap too)."""
    return (settings.get("Limits") or {}).get("Daily") or None


def _with_quiet_time(schedule: Any, quiet: Mapping[str, str]) -> dict[str, Any]:
    schedule = dict(schedule or {})
    if not schedule.get("QuietTime"):
        schedule["QuietTime"] = dict(quiet)
    return schedule


def _campaign_hook(hook: Any) -> dict[str, Any]:
    if isinstance(hook, Mapping) and hook.get("WebUrl"):
        raise ValidationError("CampaignHook.WebUrl", "web hooks are not supported; name a Lambda function")
    if isinstance(hook, Mapping) and not hook:
        return {}  # an empty hook removes the application's hook
    checked = check_hook(hook, "CampaignHook")
    if checked is None:  # the deprecated DELIVERY mode, kept as Pinpoint kept it
        return {"LambdaFunctionName": hook["LambdaFunctionName"], "Mode": "DELIVERY"}
    return checked


def _application_limits(limits: Any) -> dict[str, Any]:
    checked = check_limits(limits)
    session = checked.get("Session")
    if session is not None and (isinstance(session, bool) or not isinstance(session, int) or session < 0):
        raise ValidationError("Limits.Session", "must be a whole number, at least 0")
    return checked


def _quiet_time(quiet: Any) -> dict[str, str]:
    if isinstance(quiet, Mapping) and not quiet:
        return {}  # an empty quiet time removes the application's
    return check_quiet_time(quiet, "QuietTime")


def _journey_limits(limits: Any) -> dict[str, Any]:
    if not isinstance(limits, Mapping):
        raise ValidationError("JourneyLimits", "must be an object")
    checked: dict[str, Any] = {}
    for name, high in JOURNEY_CAPS.items():
        if limits.get(name) is not None:
            checked[name] = _whole(limits[name], f"JourneyLimits.{name}", high)
    frame = limits.get("TimeframeCap")
    if frame is not None:
        if not isinstance(frame, Mapping):
            raise ValidationError("JourneyLimits.TimeframeCap", "must be an object with Cap and Days")
        checked["TimeframeCap"] = {
            name: _whole(frame[name], f"JourneyLimits.TimeframeCap.{name}", high)
            for name, high in TIMEFRAME_BOUNDS.items()
            if frame.get(name) is not None
        }
    unknown = set(limits) - set(JOURNEY_CAPS) - {"TimeframeCap"}
    if unknown:
        raise ValidationError(f"JourneyLimits.{sorted(unknown)[0]}", "is not a journey limit")
    return checked


def _whole(value: Any, field: str, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise ValidationError(field, f"must be a whole number, 0 to {high} (0: no limit)")
    return value
