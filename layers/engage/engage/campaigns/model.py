"""Pinpoint's campaigns: a WriteCampaignRequest checked against Pinpoint's rules and kept as its
CampaignResponse (with versions), and who gets which treatment.

What is checked, as Pinpoint checked it:
- a segment, and what to send: a MessageConfiguration or TemplateConfiguration per channel, or a
  CustomDeliveryConfiguration (the deprecated Hook Mode DELIVERY is accepted as its alias);
- the Schedule: StartTime (ISO 8601 or IMMEDIATE), Frequency (ONCE, HOURLY, DAILY, WEEKLY, MONTHLY,
  EVENT), an EndTime for recurring ones, an EventFilter for EVENT ones, IsLocalTime, Timezone and
  QuietTime (HH:MM to HH:MM);
- HoldoutPercent and the treatments' SizePercent: whole percentages that leave the main treatment
  at least nothing, never less;
- Limits: Daily and Total per endpoint (0 to 100), MessagesPerSecond (1 to 20,000) and
  MaximumDuration (at least 60 seconds);
- a FILTER hook (a Lambda function name or ARN).

Treatment assignment is stable per endpoint: a hash of the campaign and endpoint ids places each
endpoint in the same bucket out of 10,000 on every run, so an endpoint held out stays held out.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from engage.campaigns.in_app_content import check_in_app
from engage.contacts.model import check_app_id, now_iso
from engage.errors import NotFoundError, ValidationError
from engage.sending.quiet_time import check_action, check_quiet_time
from engage.versions import one_of, with_current

FREQUENCIES = ("ONCE", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "EVENT", "IN_APP_EVENT")
TRIGGERED = ("EVENT", "IN_APP_EVENT")  # no EndTime needed: nothing recurs
MESSAGE_CHANNELS = {
    "EmailMessage": "EMAIL",
    "SMSMessage": "SMS",
    "VoiceMessage": "VOICE",
    "DefaultMessage": "PUSH",
    "GCMMessage": "PUSH",
    "APNSMessage": "PUSH",
    "ADMMessage": "PUSH",
    "BaiduMessage": "PUSH",
    "CustomMessage": "CUSTOM",  # the Data a custom channel's delivery gets
    "InAppMessage": "IN_APP",  # never sent: fetched by the app (engage.campaigns.in_app)
}
TEMPLATE_CHANNELS = {
    "EmailTemplate": "EMAIL",
    "SMSTemplate": "SMS",
    "VoiceTemplate": "VOICE",
    "PushTemplate": "PUSH",
    "InAppTemplate": "INAPP",
}
MAX_TREATMENTS = 5
MAX_NAME_LENGTH = 64
BUCKETS = 10_000


# WriteCampaignRequest's members (botocore's pinpoint model): what an update keeps when left out.
WRITE_MEMBERS = frozenset(
    {
        "AdditionalTreatments", "CustomDeliveryConfiguration", "Description", "HoldoutPercent", "Hook",
        "IsPaused", "Limits", "MessageConfiguration", "Name", "Schedule", "SegmentId", "SegmentVersion",
        "tags", "TemplateConfiguration", "TreatmentDescription", "TreatmentName", "Priority",
    }
)  # fmt: skip
QUIET_TIME_ACTION_TAG = "engage:QuietTimeAction"  # SKIP (Pinpoint's behaviour) or HOLD until it ends


def new_campaign(app_id: str, request: Mapping[str, Any], campaign_id: str | None = None) -> dict[str, Any]:
    """CreateCampaign: the CampaignResponse, version 1, scheduled (or paused)."""
    check_app_id(app_id)
    checked = check_request(request)
    now = now_iso()
    campaign_id = campaign_id or uuid.uuid4().hex
    return {
        **checked,
        "Id": campaign_id,
        "ApplicationId": app_id,
        "Arn": f"arn:aws:mobiletargeting:::apps/{app_id}/campaigns/{campaign_id}",
        "CreationDate": now,
        "LastModifiedDate": now,
        "Version": 1,
        "State": {"CampaignStatus": "PAUSED" if checked.get("IsPaused") else "SCHEDULED"},
        "DefaultState": {"CampaignStatus": "PAUSED" if checked.get("IsPaused") else "SCHEDULED"},
    }


def updated_campaign(current: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """UpdateCampaign: the request replaces the definition; the version moves on. Its `tags` are
    not processed (Pinpoint's, since 22-05-2023: TagResource changes them): the campaign's stay."""
    # A partial update, as Pinpoint took one (UpdateCampaign with only IsPaused pauses it): what the
    # request leaves out stays as it was.
    kept = {k: v for k, v in current.items() if k in WRITE_MEMBERS and k != "tags"}
    wanted = {k: v for k, v in request.items() if v is not None and k != "tags"}
    checked = check_request({**kept, **wanted})
    status = "PAUSED" if checked.get("IsPaused") else current["State"]["CampaignStatus"]
    if status == "PAUSED" and not checked.get("IsPaused"):
        status = "SCHEDULED"
    kept = {k: current[k] for k in ("Id", "ApplicationId", "Arn", "CreationDate", "tags") if k in current}
    return {
        **checked,
        **kept,
        "LastModifiedDate": now_iso(),
        "Version": int(current["Version"]) + 1,
        "State": {"CampaignStatus": status},
        "DefaultState": {"CampaignStatus": status},
    }


def check_request(request: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(request, Mapping):
        raise ValidationError("WriteCampaignRequest", "must be an object")
    checked = {k: v for k, v in request.items() if v is not None}
    name = checked.get("Name", "")
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH:
        raise ValidationError("Name", f"must be at most {MAX_NAME_LENGTH} characters")
    if not isinstance(checked.get("SegmentId"), str) or not checked["SegmentId"]:
        raise ValidationError("SegmentId", "a campaign sends to a segment")
    hook = check_hook(checked.get("Hook"))
    if hook is not None:
        checked["Hook"] = hook
    if (
        hook is None
        and isinstance(request.get("Hook"), Mapping)
        and request["Hook"].get("Mode") == "DELIVERY"
    ):
        # Pinpoint's deprecated delivery hook: a custom channel whose destination is the function.
        checked.pop("Hook")
        checked.setdefault(
            "CustomDeliveryConfiguration",
            {"DeliveryUri": request["Hook"]["LambdaFunctionName"], "EndpointTypes": []},
        )
    _check_content(checked, "")
    if "Priority" in checked and (
        isinstance(checked["Priority"], bool)
        or not isinstance(checked["Priority"], int)
        or checked["Priority"] < 0
    ):
        raise ValidationError("Priority", "must be a whole number (1 is shown first; 0 or none, last)")
    tags = checked.get("tags") or {}
    if not isinstance(tags, Mapping):
        raise ValidationError("tags", "must be an object of tag keys to values")
    if QUIET_TIME_ACTION_TAG in tags:
        check_action(tags[QUIET_TIME_ACTION_TAG], f"tags.{QUIET_TIME_ACTION_TAG}")
    checked["Schedule"] = check_schedule(checked.get("Schedule"), "Schedule")
    holdout = _percent(checked.get("HoldoutPercent", 0), "HoldoutPercent")
    treatments = checked.get("AdditionalTreatments") or []
    if not isinstance(treatments, Sequence) or len(treatments) > MAX_TREATMENTS:
        raise ValidationError("AdditionalTreatments", f"at most {MAX_TREATMENTS} treatments")
    total = holdout
    checked_treatments = []
    for index, treatment in enumerate(treatments, start=1):
        field = f"AdditionalTreatments[{index - 1}]"
        if not isinstance(treatment, Mapping):
            raise ValidationError(field, "must be an object")
        size = _percent(treatment.get("SizePercent"), f"{field}.SizePercent")
        if size == 0:
            raise ValidationError(f"{field}.SizePercent", "a treatment reaches at least 1 percent")
        total += size
        entry = {k: v for k, v in treatment.items() if v is not None}
        _check_content(entry, f"{field}.", required=False)
        if "Schedule" in entry:
            entry["Schedule"] = check_schedule(entry["Schedule"], f"{field}.Schedule")
        checked_treatments.append({**entry, "Id": str(index), "SizePercent": size})
    if total > 100:
        raise ValidationError(
            "AdditionalTreatments", "holdout and treatments add up to more than 100 percent"
        )
    checked["HoldoutPercent"] = holdout
    if checked_treatments:
        checked["AdditionalTreatments"] = checked_treatments
    if "Limits" in checked:
        checked["Limits"] = check_limits(checked["Limits"])
    if "IsPaused" in checked and not isinstance(checked["IsPaused"], bool):
        raise ValidationError("IsPaused", "must be true or false")
    _check_in_app_schedule(checked, checked_treatments)
    return checked


def _check_in_app_schedule(checked: Mapping[str, Any], treatments: Sequence[Mapping[str, Any]]) -> None:
    """In-app content is fetched, never sent: an IN_APP campaign is that alone, on IN_APP_EVENT."""
    in_app = [_in_app(entry) for entry in (checked, *treatments)]
    if any(in_app) and not all(in_app):
        raise ValidationError(
            "MessageConfiguration", "an in-app campaign's treatments are all in-app messages"
        )
    for entry in (checked, *treatments):
        frequency = (entry.get("Schedule") or checked["Schedule"]).get("Frequency")
        if any(in_app) != (frequency == "IN_APP_EVENT"):
            raise ValidationError(
                "Schedule.Frequency", "IN_APP_EVENT is for in-app messages, and in-app messages are for it"
            )


def _in_app(entry: Mapping[str, Any]) -> bool:
    """Whether an entry's content is in-app only (False when it has none of its own)."""
    slots = {*(entry.get("MessageConfiguration") or {}), *(entry.get("TemplateConfiguration") or {})}
    if entry.get("CustomDeliveryConfiguration"):
        slots.add("Custom")
    return bool(slots) and slots <= {"InAppMessage", "InAppTemplate"}


def check_schedule(schedule: Any, field: str) -> dict[str, Any]:
    if not isinstance(schedule, Mapping):
        raise ValidationError(field, "a campaign needs a Schedule")
    checked = {k: v for k, v in schedule.items() if v is not None}
    start = checked.get("StartTime")
    if start != "IMMEDIATE":
        _instant(start, f"{field}.StartTime")
    frequency = checked.get("Frequency", "ONCE")
    if frequency not in FREQUENCIES:
        raise ValidationError(f"{field}.Frequency", f"must be one of {', '.join(FREQUENCIES)}")
    checked["Frequency"] = frequency
    if frequency not in ("ONCE", *TRIGGERED) and not checked.get("EndTime"):
        raise ValidationError(f"{field}.EndTime", "a recurring campaign needs an EndTime")
    if checked.get("EndTime"):
        end = _instant(checked["EndTime"], f"{field}.EndTime")
        if start != "IMMEDIATE" and end <= _instant(start, f"{field}.StartTime"):
            raise ValidationError(f"{field}.EndTime", "must come after StartTime")
    if frequency in TRIGGERED:
        event_filter = checked.get("EventFilter")
        if not isinstance(event_filter, Mapping) or not isinstance(event_filter.get("Dimensions"), Mapping):
            raise ValidationError(
                f"{field}.EventFilter", f"an {frequency} campaign needs an EventFilter with Dimensions"
            )
        if event_filter.get("FilterType", "ENDPOINT") not in ("ENDPOINT", "SYSTEM"):
            raise ValidationError(f"{field}.EventFilter.FilterType", "must be ENDPOINT or SYSTEM")
    if checked.get("QuietTime") is not None:
        checked["QuietTime"] = check_quiet_time(checked["QuietTime"], f"{field}.QuietTime")
    if "IsLocalTime" in checked and not isinstance(checked["IsLocalTime"], bool):
        raise ValidationError(f"{field}.IsLocalTime", "must be true or false")
    return checked


def assignment(campaign: Mapping[str, Any], endpoint_id: str) -> str | None:
    """The treatment an endpoint gets ("0" the main one, "1"... the additional ones), or None
    when it is held out. Stable: the same endpoint lands in the same bucket on every run."""
    digest = hashlib.sha256(f"{campaign['Id']}\0{endpoint_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % BUCKETS
    bound = int(campaign.get("HoldoutPercent", 0)) * BUCKETS // 100
    if bucket < bound:
        return None
    for treatment in campaign.get("AdditionalTreatments", []):
        bound += int(treatment["SizePercent"]) * BUCKETS // 100
        if bucket < bound:
            return str(treatment["Id"])
    return "0"


def treatment(campaign: Mapping[str, Any], treatment_id: str) -> dict[str, Any]:
    """What a treatment sends and when: the campaign's own content for "0", otherwise the
    treatment's, falling back to the campaign's where it gives none."""
    if treatment_id == "0":
        return dict(campaign)
    found = next(t for t in campaign.get("AdditionalTreatments", []) if str(t["Id"]) == treatment_id)
    return {**dict(campaign), **{k: v for k, v in found.items() if k not in ("Id", "SizePercent")}}


def _check_content(checked: Mapping[str, Any], prefix: str, required: bool = True) -> None:
    messages = checked.get("MessageConfiguration") or {}
    templates = checked.get("TemplateConfiguration") or {}
    if not isinstance(messages, Mapping) or not isinstance(templates, Mapping):
        raise ValidationError(f"{prefix}MessageConfiguration", "must be an object")
    for key in messages:
        if key not in MESSAGE_CHANNELS:
            raise ValidationError(
                f"{prefix}MessageConfiguration.{key}", "is not a message this project sends"
            )
    if messages.get("InAppMessage") is not None:
        check_in_app(messages["InAppMessage"], f"{prefix}MessageConfiguration.InAppMessage")
    for key, value in templates.items():
        if key not in TEMPLATE_CHANNELS:
            raise ValidationError(f"{prefix}TemplateConfiguration.{key}", "is not a template type")
        if not isinstance(value, Mapping) or not value.get("Name"):
            raise ValidationError(f"{prefix}TemplateConfiguration.{key}.Name", "is required")
    custom = checked.get("CustomDeliveryConfiguration")
    if custom is not None and (not isinstance(custom, Mapping) or not custom.get("DeliveryUri")):
        raise ValidationError(f"{prefix}CustomDeliveryConfiguration.DeliveryUri", "is required")
    if required and not (messages or templates or custom):
        raise ValidationError(
            f"{prefix}MessageConfiguration",
            "give a MessageConfiguration, a TemplateConfiguration or a custom channel",
        )


def check_hook(hook: Any, field: str = "Hook") -> dict[str, Any] | None:
    """A FILTER hook as {LambdaFunctionName, Mode}; None for none (or the deprecated DELIVERY mode,
    which the caller turns into a custom channel)."""
    if hook is None:
        return None
    if not isinstance(hook, Mapping):
        raise ValidationError(field, "must be an object")
    mode = hook.get("Mode", "FILTER")
    if mode not in ("FILTER", "DELIVERY"):
        raise ValidationError(f"{field}.Mode", "must be FILTER (or the deprecated DELIVERY)")
    if not hook.get("LambdaFunctionName"):
        raise ValidationError(f"{field}.LambdaFunctionName", "is required (web hooks are not supported)")
    return {"LambdaFunctionName": hook["LambdaFunctionName"], "Mode": mode} if mode == "FILTER" else None


def check_limits(limits: Any) -> dict[str, Any]:
    if not isinstance(limits, Mapping):
        raise ValidationError("Limits", "must be an object")
    checked = {k: v for k, v in limits.items() if v is not None}
    bounds = {
        "Daily": (0, 100),
        "Total": (0, 100),
        "Session": (0, 100),  # in-app messages per app session
        "MessagesPerSecond": (1, 20_000),
        "MaximumDuration": (60, None),
    }
    for name, (low, high) in bounds.items():
        if name in checked:
            value = checked[name]
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value < low
                or (high is not None and value > high)
            ):
                span = f"{low} to {high}" if high is not None else f"at least {low}"
                raise ValidationError(f"Limits.{name}", f"must be a whole number, {span}")
    return checked


def _percent(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError(field, "must be a whole percentage, 0 to 100")
    return value


def _instant(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise ValidationError(field, "must be an ISO 8601 time (or IMMEDIATE for StartTime)")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(field, "must be an ISO 8601 time (or IMMEDIATE for StartTime)") from None
    if moment.tzinfo is None:
        raise ValidationError(field, "must name its offset (Z or +hh:mm)")
    return moment


class CampaignStore(Protocol):
    def put(self, campaign: dict[str, Any], replacing_version: int | None = None) -> None: ...
    def get(self, app_id: str, campaign_id: str) -> dict[str, Any] | None: ...
    def list(self, app_id: str) -> list[dict[str, Any]]: ...
    def delete(self, app_id: str, campaign_id: str) -> None: ...
    def versions(self, app_id: str, campaign_id: str) -> list[dict[str, Any]]: ...


@dataclass
class Campaigns:
    """Pinpoint's campaign operations over a store."""

    store: CampaignStore

    def create(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        campaign = new_campaign(app_id, request)
        self.store.put(campaign)
        return campaign

    def get(self, app_id: str, campaign_id: str) -> dict[str, Any]:
        found = self.store.get(check_app_id(app_id), campaign_id)
        if found is None:
            raise NotFoundError(f"campaign {campaign_id!r} does not exist in application {app_id}")
        return found

    def list(self, app_id: str) -> list[dict[str, Any]]:
        return self.store.list(check_app_id(app_id))

    def update(self, app_id: str, campaign_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        current = self.get(app_id, campaign_id)
        campaign = updated_campaign(current, request)
        self.store.put(campaign, replacing_version=int(current["Version"]))
        return campaign

    def delete(self, app_id: str, campaign_id: str) -> dict[str, Any]:
        campaign = self.get(app_id, campaign_id)
        self.store.delete(app_id, campaign_id)
        return campaign

    def versions(self, app_id: str, campaign_id: str) -> list[dict[str, Any]]:
        """GetCampaignVersions: every version kept, oldest first (the current one at least)."""
        return with_current(self.get(app_id, campaign_id), self.store.versions(app_id, campaign_id))

    def version(self, app_id: str, campaign_id: str, version: str) -> dict[str, Any]:
        """GetCampaignVersion."""
        return one_of(self.versions(app_id, campaign_id), version, f"campaign {campaign_id!r}")
