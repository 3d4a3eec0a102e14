"""One run of a campaign over a batch of its segment's endpoints: for each endpoint, the send
request to queue, or why it is not sent, decided as Pinpoint decided it:

- held out (HoldoutPercent: counted, never sent);
- in quiet time, read in the endpoint's own `Demographic.Timezone` as Pinpoint did (an endpoint
  without a valid zone is never in quiet time): skipped, unless the campaign is tagged
  `engage:QuietTimeAction` = HOLD, when its message is queued and held by the sender until quiet
  time ends;
- no message for the endpoint's channel in its treatment;
- already at the campaign's per-endpoint limits (`Limits.Daily` per rolling 24 hours,
  `Limits.Total`) or the application's daily cap across its campaigns, as counted so far.

Everything sent is transactional False (promotional), and the request carries the quiet time and
the caps: the sender checks them again, with consent, suppression and opt-outs, right before each
send, and counts the caps then (a queue hours behind can't send at 06:00 local or past a cap). Each
request is keyed (campaign, run, endpoint), so a run started twice queues each endpoint's message
once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engage.addresses import PUSH_CHANNELS, PUSH_MESSAGES
from engage.campaigns.model import QUIET_TIME_ACTION_TAG, assignment, treatment
from engage.sending.caps import CapCounter, caps_for
from engage.sending.quiet_time import HOLD, SKIP, endpoint_zone, in_quiet_time
from engage.sending.request import SendRequest


@dataclass(frozen=True)
class Decision:
    endpoint_id: str
    treatment_id: str | None
    request: SendRequest | None = None
    skip: str | None = None  # HOLDOUT, QUIET_TIME, NO_MESSAGE_FOR_CHANNEL, ENDPOINT_CAP


def plan(
    campaign: Mapping[str, Any],
    run_id: str,
    endpoints: Sequence[Mapping[str, Any]],
    now: datetime,
    caps: CapCounter,
    app_daily: int | None = None,
    not_after: float | None = None,
) -> list[Decision]:
    """`app_daily` caps what one endpoint gets per rolling 24 hours across the application's
    campaigns; `not_after` (epoch seconds) is when the campaign's MaximumDuration runs out."""
    decisions = []
    limits = campaign.get("Limits") or {}
    cap_limits = {"Daily": limits.get("Daily"), "Total": limits.get("Total"), "AppDaily": app_daily}
    cap_limits = {name: int(cap) for name, cap in cap_limits.items() if cap}
    action = quiet_time_action(campaign)
    for endpoint in endpoints:
        endpoint_id = endpoint["Id"]
        treatment_id = assignment(campaign, endpoint_id)
        if treatment_id is None:
            decisions.append(Decision(endpoint_id, None, skip="HOLDOUT"))
            continue
        chosen = treatment(campaign, treatment_id)
        quiet = (chosen.get("Schedule") or {}).get("QuietTime") or None
        if quiet and action == SKIP and in_quiet_time(now, endpoint_zone(endpoint), quiet):
            decisions.append(Decision(endpoint_id, treatment_id, skip="QUIET_TIME"))
            continue
        request = send_request(campaign, chosen, run_id, treatment_id, endpoint, not_after)
        if request is None:
            decisions.append(Decision(endpoint_id, treatment_id, skip="NO_MESSAGE_FOR_CHANNEL"))
            continue
        wanted = caps_for(campaign["ApplicationId"], endpoint_id, campaign["Id"], cap_limits)
        if wanted.any and not caps.allows(wanted, now.timestamp()):
            decisions.append(Decision(endpoint_id, treatment_id, skip="ENDPOINT_CAP"))
            continue
        request = replace(request, quiet_time=quiet, quiet_time_action=action, caps=cap_limits)
        decisions.append(Decision(endpoint_id, treatment_id, request=request))
    return decisions


def quiet_time_action(campaign: Mapping[str, Any]) -> str:
    """What the sender does with the campaign's message to an endpoint in quiet time: SKIP (as
    Pinpoint's campaigns did) unless the campaign's `engage:QuietTimeAction` tag says HOLD."""
    return HOLD if (campaign.get("tags") or {}).get(QUIET_TIME_ACTION_TAG) == HOLD else SKIP


def recipient_zone(endpoint: Mapping[str, Any], schedule: Mapping[str, Any]) -> ZoneInfo:
    """The zone quiet time is read in: the recipient's when the schedule is in local time, else the
    campaign's."""
    candidates = []
    if schedule.get("IsLocalTime"):
        candidates.append((endpoint.get("Demographic") or {}).get("Timezone"))
        candidates.extend((endpoint.get("Attributes") or {}).get("PNV_Timezone") or [])
    candidates.append(schedule.get("Timezone"))
    for name in candidates:
        if isinstance(name, str) and name:
            try:
                return ZoneInfo(name)  # refuses paths and unknown names alike
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def send_request(
    campaign: Mapping[str, Any],
    chosen: Mapping[str, Any],
    run_id: str,
    treatment_id: str,
    endpoint: Mapping[str, Any],
    not_after: float | None = None,
) -> SendRequest | None:
    """The send for one endpoint from its treatment's content for the endpoint's channel (a
    template wins over inline content; a custom channel takes any endpoint type it lists)."""
    channel = str(endpoint.get("ChannelType", ""))
    custom = chosen.get("CustomDeliveryConfiguration")
    common = {
        "app_id": campaign["ApplicationId"],
        "request_id": campaign["Id"],
        "activity_id": run_id,
        "campaign_id": campaign["Id"],
        "treatment_id": treatment_id,
        "endpoint_id": endpoint["Id"],
        "max_rate": (campaign.get("Limits") or {}).get("MessagesPerSecond") or None,
        "not_after": not_after,
    }
    if custom:
        types = custom.get("EndpointTypes") or []
        if types and channel not in types:
            return None
        message = {
            "DeliveryUri": custom["DeliveryUri"],
            "Data": str((chosen.get("MessageConfiguration") or {}).get("CustomMessage", {}).get("Data", "")),
        }
        return SendRequest(channel="CUSTOM", message=message, **common)
    kind = "PUSH" if channel in PUSH_CHANNELS else channel
    message = _from_template(chosen, kind) or _from_message(chosen, kind, channel)
    if not message:
        return None
    return SendRequest(channel=kind, message=message, **common)


def _from_template(chosen: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    key = {
        "EMAIL": "EmailTemplate",
        "SMS": "SMSTemplate",
        "VOICE": "VoiceTemplate",
        "PUSH": "PushTemplate",
    }.get(kind)
    template = (chosen.get("TemplateConfiguration") or {}).get(key or "") or {}
    if not template.get("Name"):
        return None
    message = {"TemplateName": template["Name"]}
    if template.get("Version"):
        message["TemplateVersion"] = str(template["Version"])
    return message


def _from_message(chosen: Mapping[str, Any], kind: str, channel: str) -> dict[str, Any] | None:
    """Pinpoint's campaign message (CampaignEmailMessage, CampaignSmsMessage, push Message) as the
    send queue's message fields."""
    messages = chosen.get("MessageConfiguration") or {}
    if kind == "EMAIL" and messages.get("EmailMessage"):
        m = messages["EmailMessage"]
        fields = {
            "Subject": m.get("Title"),
            "HtmlPart": m.get("HtmlBody"),
            "TextPart": m.get("Body"),
            "FromAddress": m.get("FromAddress"),
        }
    elif kind == "SMS" and messages.get("SMSMessage"):
        m = messages["SMSMessage"]
        fields = {
            "Body": m.get("Body"),
            "MessageType": m.get("MessageType"),
            "OriginationNumber": m.get("OriginationNumber"),
        }
    elif kind == "PUSH":
        m = messages.get(PUSH_MESSAGES.get(channel, "")) or messages.get("DefaultMessage")
        if not m:
            return None
        fields = {
            "Title": m.get("Title"),
            "Body": m.get("Body"),
            "Action": m.get("Action"),
            "Url": m.get("Url"),
            "ImageUrl": m.get("ImageUrl") or m.get("MediaUrl"),
        }
    else:
        return None
    return {k: v for k, v in fields.items() if v}
