"""In-app messaging, as Pinpoint served it to mobile and web SDKs (Amplify): IN_APP campaigns
(Schedule.Frequency IN_APP_EVENT, an InAppMessage or an InAppTemplate) are never sent; an app asks
GetInAppMessages for the messages its endpoint is entitled to, and shows one when the campaign's
event filter matches an event it records, the lowest Priority number first.

What an endpoint is entitled to (InAppMessageCampaign each): the application's IN_APP campaigns
that are live now (started, not ended, not paused), whose dynamic segment holds the endpoint, whose
treatment it is in (the holdout gets none), with its treatment's message (the campaign's own
InAppMessage, or its template's content, the active version unless one is named), Priority,
Schedule (EndDate, EventFilter, QuietTime) and caps: SessionCap from Limits.Session, DailyCap and
TotalCap from Limits.Daily and Limits.Total or else the application's settings' Limits (0: none).

Pinpoint left the caps to the SDK, which counts what it shows. Here they also hold on the server,
for any client: the SDK's `_inapp.message_displayed` events (PutEvents, attribute `campaign_id`)
are counted per campaign in the endpoint's current session (the latest session its events named),
per campaign in total, and over all campaigns per day in the endpoint's time zone; a campaign at a
cap is left out of the answer. A campaign in its quiet time in the endpoint's zone is left out, as
is every campaign for an endpoint opted out of everything (OptOut ALL) or inactive: consent is
checked when the message is fetched, the nearest this server comes to its showing. A replayed
event (the same event id) counts once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from engage.campaigns.model import assignment, treatment
from engage.campaigns.triggers import active
from engage.errors import NotFoundError, ValidationError
from engage.events import Event
from engage.obs import logger
from engage.sending.quiet_time import endpoint_zone, in_quiet_time

IN_APP_FREQUENCY = "IN_APP_EVENT"
DISPLAYED = "_inapp.message_displayed"


@dataclass(frozen=True)
class Displays:
    """What an endpoint was shown: per campaign in its current session and in total, and today."""

    session: str | None = None
    in_session: Mapping[str, int] | None = None
    total: Mapping[str, int] | None = None
    today: int = 0


class DisplayStore(Protocol):
    def displays(self, app_id: str, endpoint_id: str, day: str) -> Displays: ...

    def note_session(self, app_id: str, endpoint_id: str, session_id: str, started_ms: int) -> None:
        """The endpoint's session, when it started no earlier than the one noted."""
        ...

    def count_display(
        self, app_id: str, endpoint_id: str, event_id: str, session_id: str | None, campaign_id: str, day: str
    ) -> None:
        """One display of the campaign, counted once per event id."""
        ...


@dataclass
class InAppMessaging:
    campaigns: Any  # list(app_id)
    endpoints: Any  # get(app_id, endpoint_id): NotFoundError for none
    membership: Callable[[str, str], Callable[[Mapping[str, Any]], bool]]  # (app, segment) -> predicate
    templates: Any  # get(kind, name, version)
    application_limits: Callable[[str], Mapping[str, Any]]  # the application's settings' Limits
    displays: DisplayStore
    clock: Callable[[], float]

    def messages(self, app_id: str, endpoint_id: str) -> dict[str, Any]:
        """InAppMessagesResponse: the IN_APP campaigns the endpoint is entitled to now."""
        endpoint = self.endpoints.get(app_id, endpoint_id)
        if endpoint.get("OptOut") == "ALL" or endpoint.get("EndpointStatus") == "INACTIVE":
            return {"InAppMessageCampaigns": []}
        now = datetime.fromtimestamp(self.clock(), UTC)
        zone = endpoint_zone(endpoint)
        shown = self.displays.displays(app_id, endpoint_id, _day(now, zone))
        defaults = self.application_limits(app_id)
        found = []
        for campaign in self.campaigns.list(app_id):
            if (campaign.get("Schedule") or {}).get("Frequency") != IN_APP_FREQUENCY or not active(
                campaign, now
            ):
                continue
            entry = self._entry(app_id, campaign, endpoint, defaults)
            if entry is None or _capped(entry, shown):
                continue
            quiet = entry["Schedule"].get("QuietTime")
            if quiet and in_quiet_time(now, zone, quiet):
                continue
            found.append(entry)
        found.sort(key=lambda e: (e.get("Priority") or 0, e["CampaignId"]))
        return {"InAppMessageCampaigns": found}

    def record(self, app_id: str, events: Iterable[Event]) -> None:
        """PutEvents' accepted events: each endpoint's latest session (one write per endpoint and
        batch, however many events name it) and each in-app display."""
        latest: dict[str, tuple[str, int]] = {}
        zones: dict[str, Any] = {}
        for event in events:
            if event.session:
                named = (str(event.session["session_id"]), int(event.session["start_timestamp"]))
                if event.endpoint_id not in latest or named[1] >= latest[event.endpoint_id][1]:
                    latest[event.endpoint_id] = named
            campaign = event.attributes.get("campaign_id") if event.event_type == DISPLAYED else None
            if not campaign:
                continue
            if event.endpoint_id not in zones:
                zones[event.endpoint_id] = self._zone(app_id, event.endpoint_id)
            at = datetime.fromtimestamp((event.timestamp_ms or self.clock() * 1000) / 1000, UTC)
            session_id = str(event.session["session_id"]) if event.session else None
            day = _day(at, zones[event.endpoint_id])
            self.displays.count_display(
                app_id, event.endpoint_id, str(event.event_id or ""), session_id, campaign, day
            )
        for endpoint_id, (session_id, started_ms) in latest.items():
            self.displays.note_session(app_id, endpoint_id, session_id, started_ms)

    def _zone(self, app_id: str, endpoint_id: str) -> Any:
        try:
            return endpoint_zone(self.endpoints.get(app_id, endpoint_id))
        except NotFoundError:  # the display of an endpoint no longer stored: counted on UTC's day
            return None

    def _entry(
        self,
        app_id: str,
        campaign: Mapping[str, Any],
        endpoint: Mapping[str, Any],
        defaults: Mapping[str, Any],
    ) -> dict[str, Any] | None:
        try:
            member = self.membership(app_id, str(campaign["SegmentId"]))
        except ValidationError as exc:  # a static (imported) segment has no membership test
            logger.warning(
                "in-app campaign skipped", extra={"campaign_id": campaign["Id"], "reason": str(exc)}
            )
            return None
        if not member(endpoint):
            return None
        treatment_id = assignment(campaign, str(endpoint["Id"]))
        if treatment_id is None:
            return None  # held out
        chosen = treatment(campaign, treatment_id)
        limits = campaign.get("Limits") or {}
        schedule = chosen.get("Schedule") or campaign.get("Schedule") or {}
        entry: dict[str, Any] = {
            "CampaignId": campaign["Id"],
            "TreatmentId": treatment_id,
            "InAppMessage": self._message(chosen),
            "Priority": int(campaign.get("Priority") or 0),
            "Schedule": {
                k: v
                for k, v in {
                    "EndDate": schedule.get("EndTime"),
                    "EventFilter": schedule.get("EventFilter"),
                    "QuietTime": schedule.get("QuietTime"),
                }.items()
                if v
            },
            "SessionCap": int(limits.get("Session") or 0),
            "DailyCap": int(limits.get("Daily") or defaults.get("Daily") or 0),
            "TotalCap": int(limits.get("Total") or defaults.get("Total") or 0),
        }
        return entry

    def _message(self, chosen: Mapping[str, Any]) -> dict[str, Any]:
        """The treatment's InAppMessage: its template's content, or the message it carries."""
        template = (chosen.get("TemplateConfiguration") or {}).get("InAppTemplate")
        if template:
            found = self.templates.get("INAPP", template["Name"], template.get("Version"))
            return {k: found[k] for k in ("Content", "CustomConfig", "Layout") if found.get(k) is not None}
        message = (chosen.get("MessageConfiguration") or {}).get("InAppMessage") or {}
        return {k: message[k] for k in ("Content", "CustomConfig", "Layout") if message.get(k) is not None}


def _capped(entry: Mapping[str, Any], shown: Displays) -> bool:
    campaign = entry["CampaignId"]
    caps = (
        (entry["SessionCap"], (shown.in_session or {}).get(campaign, 0)),
        (entry["DailyCap"], shown.today),
        (entry["TotalCap"], (shown.total or {}).get(campaign, 0)),
    )
    return any(cap and count >= cap for cap, count in caps)


def _day(at: datetime, zone: Any) -> str:
    return (at.astimezone(zone) if zone else at).date().isoformat()
