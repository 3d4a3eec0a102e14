"""Events through the Pinpoint-compatible API on the local stack (issue 12's ingestion): a real
boto3 pinpoint client's PutEvents, answered item by item, the events on the stream in Pinpoint's
schema, and an event-triggered campaign sending once for an event put twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engage_local.api import wait_until
from tests.support.streams import stream_records

pytestmark = pytest.mark.e2e


def test_put_events_answers_each_item_and_puts_the_good_events_on_the_stream(campaigning):
    c = campaigning
    now = datetime.now(UTC).isoformat()
    response = c.pinpoint.put_events(
        ApplicationId=c.app,
        EventsRequest={
            "BatchItem": {
                "buyer-1": {
                    "Endpoint": {
                        "ChannelType": "SMS",
                        "Address": "+12065550191",
                        "Attributes": {"Plan": ["gold"]},
                    },
                    "Events": {
                        f"ev-{c.app}-1": {
                            "EventType": "purchase_success",
                            "Timestamp": now,
                            "Attributes": {"sku": "A-1"},
                            "Metrics": {"price": 25.0},
                        },
                        f"ev-{c.app}-2": {"EventType": "purchase_success", "Timestamp": "not a time"},
                    },
                }
            }
        },
    )["EventsResponse"]["Results"]["buyer-1"]
    assert response["EndpointItemResponse"] == {"StatusCode": 202, "Message": "Accepted"}
    assert response["EventsItemResponse"][f"ev-{c.app}-1"]["StatusCode"] == 202
    assert response["EventsItemResponse"][f"ev-{c.app}-2"]["StatusCode"] == 400
    assert c.contacts.get(c.app, "buyer-1")["Attributes"]["Plan"] == ["gold"]  # the endpoint update landed

    def ours():
        return [
            r
            for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
            if r["application"]["app_id"] == c.app and r["event_type"] == "purchase_success"
        ]

    assert wait_until(ours, 10, 0.2)
    (record,) = ours()
    assert record["event_id"] == f"ev-{c.app}-1" and record["client"]["client_id"] == "buyer-1"
    assert (record["attributes"], record["metrics"]) == ({"sku": "A-1"}, {"price": 25.0})


def test_an_event_put_twice_through_the_api_triggers_its_campaign_once(campaigning):
    c = campaigning
    c.people(["buyer-1"], Attributes={"Plan": ["gold"]})
    campaign = c.event_campaign("purchase_success", "Thanks for your order")
    batch = {
        "BatchItem": {
            "buyer-1": {
                "Endpoint": {},
                "Events": {
                    f"order-{c.app}": {
                        "EventType": "purchase_success",
                        "Timestamp": datetime.now(UTC).isoformat(),
                    }
                },
            }
        }
    }
    for _ in range(2):  # a client retrying its batch sends the same event ids
        c.pinpoint.put_events(ApplicationId=c.app, EventsRequest=batch)
    (text,) = c.all_texts(campaign["Id"], 1)
    assert text["request"]["DestinationPhoneNumber"] == c.number("buyer-1")
    assert text["request"]["MessageBody"] == "Thanks for your order"


def test_the_stream_reaches_the_lake_as_partitioned_gzip_json_lines(campaigning):
    import gzip
    import json

    c = campaigning
    now = datetime.now(UTC)
    event_id = f"lake-{c.app}"
    c.pinpoint.put_events(
        ApplicationId=c.app,
        EventsRequest={
            "BatchItem": {
                "reader-1": {
                    "Endpoint": {},
                    "Events": {event_id: {"EventType": "article_read", "Timestamp": now.isoformat()}},
                }
            }
        },
    )
    s3, bucket = c.stack.client("s3"), c.outputs["EventsBucketName"]

    def delivered():
        found = []
        listed = s3.list_objects_v2(Bucket=bucket, Prefix="events/").get("Contents", [])
        for obj in listed:
            body = gzip.decompress(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
            found.extend((obj["Key"], json.loads(line)) for line in body.decode().splitlines() if line)
        return [(key, record) for key, record in found if record.get("event_id") == event_id]

    assert wait_until(delivered, 30, 0.3)
    ((key, record),) = delivered()
    hour = datetime.now(UTC)
    assert key.startswith(f"events/year={hour:%Y}/month={hour:%m}/day={hour:%d}/") and key.endswith(".gz")
    assert record["event_type"] == "article_read" and record["client"]["client_id"] == "reader-1"


def test_put_events_reads_a_naive_timestamp_as_utc_and_refuses_an_unprintable_event_type(campaigning):
    c = campaigning
    naive = datetime.now(UTC).replace(tzinfo=None, microsecond=0).isoformat()  # as the ISV guide writes it
    answers = c.pinpoint.put_events(
        ApplicationId=c.app,
        EventsRequest={
            "BatchItem": {
                "buyer-2": {
                    "Endpoint": {},
                    "Events": {
                        f"naive-{c.app}": {"EventType": "purchase_success", "Timestamp": naive},
                        f"bidi-{c.app}": {"EventType": "purchase\u202esuccess", "Timestamp": naive},
                    },
                }
            }
        },
    )["EventsResponse"]["Results"]["buyer-2"]["EventsItemResponse"]
    assert answers[f"naive-{c.app}"]["StatusCode"] == 202
    assert (
        answers[f"bidi-{c.app}"]["StatusCode"] == 400 and "printable" in answers[f"bidi-{c.app}"]["Message"]
    )

    def kept():
        return [
            r
            for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
            if r["event_id"] == f"naive-{c.app}"
        ]

    assert wait_until(kept, 10, 0.2)
    expected = int(datetime.fromisoformat(naive).replace(tzinfo=UTC).timestamp() * 1000)
    assert kept()[0]["event_timestamp"] == expected, "read as UTC"
