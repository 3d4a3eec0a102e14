"""What an event does to event-triggered campaigns (engage.campaigns.on_event): one run per event,
replays queue the same sends, late events and static segments are counted, never sent, and a
campaign never triggers on its own messages."""

import json
from datetime import UTC, datetime, timedelta

from engage.campaigns.hooks import HookPolicy
from engage.campaigns.model import new_campaign
from engage.campaigns.on_event import on_event
from engage.campaigns.runs import RunTools
from engage.errors import NotFoundError, ValidationError
from engage.sending.caps import caps_for
from engage.sending.request import parse_request

from tests.support.fakes import MemoryCaps, MemoryConsent, MemoryQueue, MemorySuppressions

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
APP = "evapp"
ENDPOINTS = {
    "gold-1": {
        "Id": "gold-1",
        "ChannelType": "SMS",
        "Address": "+12065550101",
        "Attributes": {"Plan": ["gold"]},
    },
    "free-1": {
        "Id": "free-1",
        "ChannelType": "SMS",
        "Address": "+12065550102",
        "Attributes": {"Plan": ["free"]},
    },
}


def campaign(campaign_id="c-ev", segment="dynamic", **extra):
    request = {
        "SegmentId": segment,
        "MessageConfiguration": {"SMSMessage": {"Body": "Thanks"}},
        "Schedule": {
            "StartTime": "IMMEDIATE",
            "Frequency": "EVENT",
            "EventFilter": {
                "FilterType": "ENDPOINT",
                "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["purchase"]}},
            },
        },
        **extra,
    }
    return new_campaign(APP, request, campaign_id)


def record(endpoint_id="gold-1", age=timedelta(seconds=5), event_id="ev-1", **attributes):
    at = int((NOW - age).timestamp() * 1000)
    return {
        "event_type": "purchase",
        "event_id": event_id,
        "event_timestamp": at,
        "arrival_timestamp": at,
        "application": {"app_id": APP},
        "client": {"client_id": endpoint_id},
        "attributes": attributes,
        "metrics": {},
    }


def in_segment(app_id, segment_id):
    if segment_id == "imported":
        raise ValidationError("SegmentId", "static")
    if segment_id == "gone":
        raise NotFoundError("no segment")
    return lambda e: e["Attributes"].get("Plan") == ["gold"]


def run(event, campaigns, queue=None, caps=None):
    queue = queue if queue is not None else MemoryQueue()
    tools = RunTools(
        caps=caps or MemoryCaps(),
        hooks=None,
        queue=queue,
        consent=MemoryConsent(),
        suppressions=MemorySuppressions(),
        hook_policy=HookPolicy.SKIP,
    )
    counts = on_event(event, campaigns, lambda app, i: ENDPOINTS.get(i), in_segment, tools, NOW)
    return counts, [parse_request(json.loads(b)) for b in queue.bodies]


def test_an_event_sends_the_campaign_to_its_endpoint_and_a_replay_queues_the_same_send():
    queue, caps = MemoryQueue(), MemoryCaps()
    counts, (sent,) = run(record(), [campaign(Limits={"Daily": 1})], queue, caps)
    assert counts["Queued"] == 1 and sent.endpoint_id == "gold-1" and sent.activity_id == "event-ev-1"
    again, queued = run(record(), [campaign(Limits={"Daily": 1})], queue, caps)
    assert again["Queued"] == 1 and queued[0].key == queued[1].key  # the ledger sends it once
    assert sent.caps == {"Daily": 1}  # counted by the sender as the message goes out
    caps.take(caps_for(sent.app_id, sent.endpoint_id, sent.campaign_id, sent.caps), sent.key, NOW.timestamp())
    other, _ = run(record(event_id="ev-2"), [campaign(Limits={"Daily": 1})], MemoryQueue(), caps)
    assert other["ENDPOINT_CAP"] == 1  # a second event within 24 hours of the send: capped


def test_late_events_unknown_endpoints_other_segments_and_static_segments_are_counted_not_sent():
    cases = [
        (record(age=timedelta(minutes=6)), campaign(), "LATE"),
        (record(endpoint_id="nobody"), campaign(), "NO_ENDPOINT"),
        (record(endpoint_id="free-1"), campaign(), "NOT_IN_SEGMENT"),
        (record(), campaign(segment="imported"), "STATIC_SEGMENT"),
        (record(), campaign(segment="gone"), "NO_SEGMENT"),
    ]
    for event, chosen, reason in cases:
        counts, sent = run(event, [chosen])
        assert counts == {reason: 1} and sent == [], reason


def test_a_campaign_never_triggers_on_its_own_messages_and_others_still_do():
    system = {
        "FilterType": "SYSTEM",
        "Dimensions": {"EventType": {"DimensionType": "INCLUSIVE", "Values": ["_SMS.BUFFERED"]}},
    }
    loop = campaign(
        "c-loop", Schedule={"StartTime": "IMMEDIATE", "Frequency": "EVENT", "EventFilter": system}
    )
    follow = campaign(
        "c-follow", Schedule={"StartTime": "IMMEDIATE", "Frequency": "EVENT", "EventFilter": system}
    )
    event = {**record(campaign_id="c-loop"), "event_type": "_SMS.BUFFERED"}
    counts, sent = run(event, [loop, follow])
    assert counts["Queued"] == 1 and [s.campaign_id for s in sent] == ["c-follow"]


def test_events_of_other_types_and_non_event_campaigns_do_nothing():
    once = new_campaign(
        APP,
        {
            "SegmentId": "dynamic",
            "MessageConfiguration": {"SMSMessage": {"Body": "b"}},
            "Schedule": {"StartTime": "IMMEDIATE"},
        },
        "c-once",
    )
    counts, sent = run({**record(), "event_type": "page_view"}, [campaign(), once])
    assert counts == {} and sent == []
