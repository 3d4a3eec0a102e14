"""Events put through the API reach the stack's event stream in Pinpoint's schema, where any
consumer of the stream reads them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.cloud.target import EventStream

pytestmark = pytest.mark.cloud


def test_put_events_are_answered_item_by_item_and_reach_the_event_stream(target, pinpoint, app):
    stream = EventStream(target.client("kinesis"), target.output("EventStreamName"))
    event_id = f"cloud-{uuid.uuid4().hex}"
    answer = pinpoint.put_events(
        ApplicationId=app,
        EventsRequest={
            "BatchItem": {
                "buyer-1": {
                    "Endpoint": {"ChannelType": "EMAIL", "Address": "success@simulator.amazonses.com"},
                    "Events": {
                        event_id: {
                            "EventType": "purchase_success",
                            "Timestamp": datetime.now(UTC).isoformat(),
                            "Attributes": {"sku": "A-1"},
                            "Metrics": {"price": 25.0},
                        },
                        f"{event_id}-bad": {"EventType": "purchase_success", "Timestamp": "not a time"},
                    },
                }
            }
        },
    )["EventsResponse"]["Results"]["buyer-1"]
    assert answer["EndpointItemResponse"]["StatusCode"] == 202
    assert answer["EventsItemResponse"][event_id]["StatusCode"] == 202
    assert answer["EventsItemResponse"][f"{event_id}-bad"]["StatusCode"] == 400

    def ours():
        return [r for r in stream.read() if r.get("event_id") == event_id]

    record, *_ = target.eventually(  # a stream delivers at least once
        ours,
        f"event {event_id} on the stream {stream.stream_name}",
        state=lambda: [
            r.get("event_id") for r in stream.records if r.get("application", {}).get("app_id") == app
        ],
    )
    assert (record["event_type"], record["application"]["app_id"]) == ("purchase_success", app)
    assert record["client"]["client_id"] == "buyer-1"
    assert (record["attributes"], record["metrics"]) == ({"sku": "A-1"}, {"price": 25.0})
    assert not [r for r in stream.read() if r.get("event_id") == f"{event_id}-bad"]
    # The endpoint the batch carried was written too.
    endpoint = pinpoint.get_endpoint(ApplicationId=app, EndpointId="buyer-1")["EndpointResponse"]
    assert endpoint["Address"] == "success@simulator.amazonses.com"
