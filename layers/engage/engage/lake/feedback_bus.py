"""The ISV "inform the CDP" pattern: hard bounces and complaints on the engagement stream become
EventBridge events on the engagement bus, for a customer's system to subscribe to with a rule.

The detail names who (application, endpoint, and the user behind it where the record says) and
what (the event, its campaign and message ids, the bounce type or feedback type), never the
address: a subscriber with the right to know asks GetEndpoint, and the bus's archive and every
rule's targets hold no personal data. `event_id` is stable across replays, so a subscriber can
drop duplicates (EventBridge delivers at least once)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from engage.obs import metrics

SOURCE = "engage.events"
DETAIL_TYPES = {"_email.hardbounce": "Email Hard Bounce", "_email.complaint": "Email Complaint"}
COPIED_ATTRIBUTES = ("campaign_id", "treatment_id", "campaign_activity_id", "journey_id", "message_id")


def feedback_entry(record: Mapping[str, Any], bus: str) -> dict[str, Any] | None:
    """The PutEvents entry for a stream record, or None when it is not feedback."""
    detail_type = DETAIL_TYPES.get(str(record.get("event_type")))
    if detail_type is None:
        return None
    attributes = record.get("attributes") or {}
    mail_event = ((record.get("facets") or {}).get("email_channel") or {}).get("mail_event") or {}
    bounce, complaint = mail_event.get("bounce") or {}, mail_event.get("complaint") or {}
    at = datetime.fromtimestamp(int(record["event_timestamp"]) / 1000, UTC)
    detail = {
        "application_id": record["application"]["app_id"],
        "endpoint_id": record["client"]["client_id"],
        "event_id": record["event_id"],
        "event_type": record["event_type"],
        "event_timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        **{name: attributes[name] for name in COPIED_ATTRIBUTES if attributes.get(name)},
    }
    if bounce:
        detail.update(bounce_type=bounce.get("bounce_type"), bounce_sub_type=bounce.get("bounce_sub_type"))
    if complaint:
        detail["complaint_feedback_type"] = complaint.get("complaint_feedback_type")
    return {
        "Time": at,
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, sort_keys=True),
        "EventBusName": bus,
    }


class Bus(Protocol):
    def put(self, entries: Sequence[dict[str, Any]]) -> int:
        """Puts every entry (PutEvents), or raises naming what was refused."""
        ...


@dataclass(frozen=True)
class FeedbackPublisher:
    """Each stream record that is feedback, put on the engagement bus named `bus_name`."""

    bus: Bus
    bus_name: str

    def publish(self, record: Mapping[str, Any]) -> dict[str, Any] | None:
        """The entry put, or None when the record is not feedback."""
        entry = feedback_entry(record, self.bus_name)
        if entry is None:
            return None
        self.bus.put([entry])
        metrics.add_metric(name="FeedbackPublished", unit="Count", value=1)
        return entry
