"""PutEventStream through a real boto3 pinpoint client on the local stack: the application's events
reach the customer's own Kinesis stream, in Pinpoint's event-stream format, written as the role
they named; DeleteEventStream stops them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from engage_local.api import wait_until
from tests.support.roles import tagged_role
from tests.support.streams import stream_records

pytestmark = pytest.mark.e2e


def test_an_applications_events_reach_its_own_stream_in_pinpoints_format(pinpoint, new_app, local_stack):
    app = new_app("event-stream")
    kinesis, name = local_stack.client("kinesis"), f"pinpoint-events-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    put = {"Effect": "Allow", "Action": "kinesis:PutRecords", "Resource": stream_arn}
    role = tagged_role(local_stack, "engage:event-stream", [put], "event-stream")
    answer = pinpoint.put_event_stream(
        ApplicationId=app, WriteEventStream={"DestinationStreamArn": stream_arn, "RoleArn": role}
    )["EventStream"]
    assert (answer["ApplicationId"], answer["DestinationStreamArn"], answer["RoleArn"]) == (
        app,
        stream_arn,
        role,
    )
    assert pinpoint.get_event_stream(ApplicationId=app)["EventStream"]["DestinationStreamArn"] == stream_arn

    def put_event(event_id):
        at = datetime.now(UTC).isoformat()
        event = {"EventType": "purchase", "Timestamp": at, "Attributes": {"sku": "shoe"}}
        pinpoint.put_events(
            ApplicationId=app,
            EventsRequest={"BatchItem": {"reader": {"Endpoint": {}, "Events": {event_id: event}}}},
        )

    pinpoint.update_endpoint(
        ApplicationId=app,
        EndpointId="reader",
        EndpointRequest={"ChannelType": "EMAIL", "Address": "r@example.com"},
    )
    put_event("first-purchase")
    found = []

    def delivered():
        found[:] = [r for r in stream_records(kinesis, name) if r.get("event_id") == "first-purchase"]
        return found

    assert wait_until(delivered, 30, 0.3)
    (event,) = found
    assert event["event_type"] == "purchase" and event["application"]["app_id"] == app
    assert event["client"]["client_id"] == "reader" and event["attributes"]["sku"] == "shoe"
    assert {"arrival_timestamp", "event_timestamp", "event_version"} <= set(event)

    gone = pinpoint.delete_event_stream(ApplicationId=app)["EventStream"]
    assert gone["DestinationStreamArn"] == stream_arn
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_event_stream(ApplicationId=app)


def test_a_campaigns_events_reach_the_applications_stream(local_stack, pinpoint, campaigning):
    c = campaigning
    kinesis, name = local_stack.client("kinesis"), f"campaign-events-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    put = {"Effect": "Allow", "Action": "kinesis:PutRecords", "Resource": stream_arn}
    role = tagged_role(local_stack, "engage:event-stream", [put], "event-stream")
    pinpoint.put_event_stream(
        ApplicationId=c.app, WriteEventStream={"DestinationStreamArn": stream_arn, "RoleArn": role}
    )
    c.people(["a", "b"], Attributes={"Plan": ["gold"]})
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"SMSMessage": {"Body": "Sale", "MessageType": "PROMOTIONAL"}},
    )
    c.all_texts(campaign["Id"], 2)
    found: dict[tuple[str, str], dict] = {}

    def delivered():
        for record in stream_records(kinesis, name):
            if (record.get("attributes") or {}).get("campaign_id") == campaign["Id"]:
                found[(record["event_type"], record["client"]["client_id"])] = record
        return {("_campaign.send", "a"), ("_campaign.send", "b"), ("_SMS.BUFFERED", "a")} <= set(found)

    assert wait_until(delivered, 45, 0.5), sorted(found)
    send = found[("_campaign.send", "a")]
    assert send["application"]["app_id"] == c.app and send["attributes"]["treatment_id"] == "0"
    assert {"arrival_timestamp", "event_timestamp", "event_version", "event_id"} <= set(send)
