"""One run of a campaign over a batch of its segment's endpoints: for each endpoint, the send
request to queue, or why it is not sent, decided as Pinpoint decided it:

- held out (HoldoutPercent: counted, never sent);
- quiet time in the recipient's own time zone when the schedule is local time (the endpoint's
  `Demographic.Timezone`, then the phone validation's `PNV_Timezone`, then the campaign's
  `Schedule.Timezone`, then UTC); an endpoint in quiet time is skipped, not deferred;
- no message for the endpoint's channel in its treatment;
- over the campaign's per-endpoint limits (`Limits.Daily`, `Limits.Total`) or the application's
  daily cap across its campaigns, counted in a store so concurrent batches and repeated runs share
  them.

Everything sent is transactional False (promotional): consent, suppression and opt-outs are
checked again by the sender right before each send. Each request is keyed (campaign, run,
endpoint), so a run started twice queues each endpoint's message once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engage.addresses import PUSH_CHANNELS, PUSH_MESSAGES
from engage.campaigns.model import assignment, treatment
from engage.messages.request import SendRequest


class CapCounter(Protocol):
    def take(
        self,
        app_id: str,
        campaign_id: str,
        endpoint_id: str,
        day: str,
        daily: int | None,
        total: int | None,
        run_id: str,
        app_daily: int | None = None,
    ) -> bool:
        """Counts one message to the endpoint if it stays within the campaign's limits and the
        application's daily cap across all its campaigns; False if it would not. Once per run:
        taking again for a run that was counted answers True without counting."""
        ...


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
    """`app_daily` caps what one endpoint gets per day across the application's campaigns;
    `not_after` (epoch seconds) is when the campaign's MaximumDuration runs out."""
    decisions = []
    limits = campaign.get("Limits") or {}
    for endpoint in endpoints:
        endpoint_id = endpoint["Id"]
        treatment_id = assignment(campaign, endpoint_id)
        if treatment_id is None:
            decisions.append(Decision(endpoint_id, None, skip="HOLDOUT"))
            continue
        chosen = treatment(campaign, treatment_id)
        schedule = chosen.get("Schedule") or {}
        if schedule.get("QuietTime") and in_quiet_time(
            now, recipient_zone(endpoint, schedule), schedule["QuietTime"]
        ):
            decisions.append(Decision(endpoint_id, treatment_id, skip="QUIET_TIME"))
            continue
        request = send_request(campaign, chosen, run_id, treatment_id, endpoint, not_after)
        if request is None:
            decisions.append(Decision(endpoint_id, treatment_id, skip="NO_MESSAGE_FOR_CHANNEL"))
            continue
        daily, total = limits.get("Daily") or None, limits.get("Total") or None
        if (daily or total or app_daily) and not caps.take(
            campaign["ApplicationId"],
            campaign["Id"],
            endpoint_id,
            now.astimezone(UTC).date().isoformat(),
            daily,
            total,
            run_id,
            app_daily,
        ):
            decisions.append(Decision(endpoint_id, treatment_id, skip="ENDPOINT_CAP"))
            continue
        decisions.append(Decision(endpoint_id, treatment_id, request=request))
    return decisions


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


def in_quiet_time(now: datetime, zone: ZoneInfo, quiet: Mapping[str, str]) -> bool:
    """Whether `now` falls in the quiet time (Start inclusive, End exclusive; it may span
    midnight, as 22:00 to 08:00 does) in `zone`."""
    local = now.astimezone(zone).time()
    start, end = _clock(quiet["Start"]), _clock(quiet["End"])
    if start <= end:
        return start <= local < end
    return local >= start or local < end


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


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
