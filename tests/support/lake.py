"""A lake folder laid out as Firehose writes the events bucket, and a campaign's worth of fixture
events in it made by the real code (the sender's events, the normaliser's), for the views, the
query command and the report."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engage.events import Event, to_record
from engage.lake.channel_events import normalise
from engage.sending.ledger import Outcome, Status
from engage.sending.request import SendRequest
from engage.sending.sender import SendResult, campaign_event_for, event_for

from tests.support.channel_records import APP, mail, ses, sms

SEND_TIME = 1_795_168_800.0  # 2026-11-20T10:00:00Z, when the sender sent


def write_lake(root: Path, prefix: str, records: Iterable[Mapping[str, Any]], part: str = "part-0") -> None:
    """GZIP JSON lines under `prefix`, one file per UTC hour of each record's time (as Firehose
    partitions by arrival; the fixtures arrive when they happen)."""
    hours: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        hours[_hour(record) if prefix != "names/" else ""].append(record)
    for hour, batch in hours.items():
        folder = root / prefix / hour
        folder.mkdir(parents=True, exist_ok=True)
        with gzip.open(folder / f"{part}.gz", "at", encoding="utf-8") as out:
            out.writelines(json.dumps(r) + "\n" for r in batch)


def _hour(record: Mapping[str, Any]) -> str:
    millis = record.get("arrival_timestamp") or record.get("eventTimestamp")
    if millis is None:
        stamp = (record["mail"].get("timestamp") or "").replace("Z", "+00:00")
        moment = datetime.fromisoformat(stamp)
    else:
        moment = datetime.fromtimestamp(millis / 1000, UTC)
    return moment.strftime("year=%Y/month=%m/day=%d/hour=%H")


def sent(endpoint_id: str, address: str, channel: str = "EMAIL", status: Status = Status.SENT, **kw) -> dict:
    """The sender's event for one campaign send (as engage.sending.sender reports it)."""
    campaign = "c-sms" if channel == "SMS" else "c-spring"
    request = SendRequest(
        APP,
        campaign,
        channel,
        {"Body": "Hi"} if channel == "SMS" else {"Subject": "Spring offers", "HtmlPart": "<p>Hi</p>"},
        endpoint_id=endpoint_id,
        campaign_id=campaign,
        activity_id="act-1",
        treatment_id="0",
    )
    reason = kw.get("reason")
    outcome = Outcome(status, kw.get("message_id"), reason)
    headers = {"from": "news@example.com", "subject": "Spring offers"} if channel == "EMAIL" else None
    return record(event_for(SendResult(request, outcome, address=address, headers=headers), SEND_TIME))


def campaign_sent(endpoint_id: str, address: str) -> dict:
    """The sender's `_campaign.send` for one email campaign send."""
    request = SendRequest(APP, "c-spring", "EMAIL", {"Subject": "Spring offers"}, endpoint_id=endpoint_id,
                          campaign_id="c-spring", activity_id="act-1", treatment_id="0")  # fmt: skip
    result = SendResult(request, Outcome(Status.SENT, f"m-{endpoint_id}"), address=address)
    return record(campaign_event_for(result, SEND_TIME))


def record(event: Event, arrival_ms: int | None = None) -> dict[str, Any]:
    return to_record(event, arrival_ms=arrival_ms or event.timestamp_ms or 0, account_id="123456789012")


def normalised(raw: Mapping[str, Any]) -> dict[str, Any]:
    event = normalise(raw).event
    assert event is not None
    return record(event)


def campaign_lake(root: Path) -> dict[str, list[dict[str, Any]]]:
    """One email campaign to six people and one SMS campaign to three, with every outcome:
    ep-1 delivered, opened and clicked; ep-2 delivered, opened, then unsubscribed by the link;
    ep-3 bounced for good; ep-4 delivered then complained; ep-5 delayed, bounced softly, then
    delivered; ep-6 refused by SES. sms-ep-1 delivered, sms-ep-2 blocked, sms-ep-3 opted out."""
    people = {f"ep-{i}": f"reader{i}@example.org" for i in range(1, 7)}
    messages = {
        endpoint: mail(f"m-{endpoint}", address, endpoint_id=endpoint) for endpoint, address in people.items()
    }
    raw_ses = [ses("Send", message=messages[e]) for e in people if e != "ep-6"]

    def outcome(endpoint: str, kind: str, minute: int, **detail: Any) -> dict[str, Any]:
        raw = ses(kind, at=f"2026-11-20T10:{minute:02d}:00.000Z", message=messages[endpoint], **detail)
        raw_ses.append(raw)
        return normalised(raw)

    events = [
        *(sent(e, a, message_id=f"m-{e}") for e, a in people.items() if e != "ep-6"),
        sent("ep-6", people["ep-6"], status=Status.REFUSED, reason="MessageRejected"),
        outcome("ep-1", "Delivery", 1),
        outcome("ep-1", "Open", 5),
        outcome("ep-1", "Click", 6),
        outcome("ep-2", "Delivery", 1),
        outcome("ep-2", "Open", 7),
        outcome("ep-2", "Click", 8, linkTags={"unsubscribeLinkTag": ["footer"]}),
        outcome("ep-3", "Bounce", 1),
        outcome("ep-4", "Delivery", 1),
        outcome("ep-4", "Complaint", 20),
        outcome("ep-5", "DeliveryDelay", 2),
        outcome("ep-5", "Bounce", 3, bounceType="Transient", bounceSubType="MailboxFull"),
        outcome("ep-5", "Delivery", 30),
    ]
    raw_sms = []
    texts = {"sms-ep-1": ("TEXT_DELIVERED", "DELIVERED"), "sms-ep-2": ("TEXT_BLOCKED", "BLOCKED")}
    texts["sms-ep-3"] = ("TEXT_BLOCKED", "OPTED_OUT")
    for i, (endpoint, (final_type, status)) in enumerate(texts.items(), start=1):
        message_id = f"sms-{i}"
        events.append(sent(endpoint, "+1206555014" + str(i), "SMS", message_id=message_id))
        accepted = sms(
            "TEXT_SUCCESSFUL",
            "SUCCESSFUL",
            final=False,
            message_id=message_id,
            at=1_795_168_801_000,
            endpoint_id=endpoint,
        )
        final = sms(final_type, status, message_id=message_id, at=1_795_168_860_000 + i, endpoint_id=endpoint)
        raw_sms += [accepted, final]
        events.append(normalised(final))
    events += [
        campaign_sent("ep-1", people["ep-1"]),
        record(
            Event(
                "_journey.send",
                APP,
                "ep-1",
                {
                    "journey_id": "j-welcome",
                    "journey_activity_id": "a-1",
                    "journey_run_id": "run-1",
                    "journey_send_status": "SUCCESS",
                },
                timestamp_ms=1_795_168_800_000,
            )
        ),
        record(
            Event(
                "purchase_success",
                APP,
                "ep-1",
                {"sku": "A-1"},
                {"amount": 42.5},
                timestamp_ms=1_795_172_400_000,
                session={"session_id": "s-1", "start_timestamp": 1_795_172_000_000},
            )
        ),
        record(Event("_test.event", APP, "ep-1", timestamp_ms=1_795_172_400_000)),
    ]
    names = [
        {
            "app_id": APP,
            "kind": "campaign",
            "id": "c-spring",
            "name": "Spring sale",
            "segment_id": "seg-1",
            "template_name": "spring-offer",
        },
        {"app_id": APP, "kind": "campaign", "id": "c-sms", "name": "Spring texts", "segment_id": "seg-1"},
        {"app_id": APP, "kind": "segment", "id": "seg-1", "name": "Newsletter readers"},
        {"app_id": APP, "kind": "journey", "id": "j-welcome", "name": "Welcome"},
    ]
    write_lake(root, "events/", events)
    write_lake(root, "ses/", raw_ses)
    write_lake(root, "sms/", raw_sms)
    write_lake(root, "names/", names)
    return {"events": events, "ses": raw_ses, "sms": raw_sms, "names": names}
