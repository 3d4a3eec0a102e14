"""PutEventStream's delivery (engage.lake.event_export, functions/lake/event_export): each
application's events to its own stream, the failures handed back from the first one on, and the
customer-stream adapter checked against botocore's models."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import boto3
from botocore.stub import Stubber
from engage.adapters.kinesis.customer_streams import SESSION_NAME, CustomerStreams
from engage.adapters.sts.role_clients import RoleClients
from engage.lake import wiring
from engage.lake.event_export import EventExport

from tests.support.thin_handlers import Context, handler, sample, use

APP = "0123456789abcdef0123456789abcdef"
STREAM = {
    "ApplicationId": APP,
    "DestinationStreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/pinpoint-events",
    "RoleArn": "arn:aws:iam::123456789012:role/PinpointEventStream",
}


class Destinations:
    def __init__(self, streams):
        self.streams = streams

    def of(self, app_id):
        return self.streams.get(app_id)


class Delivery:
    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.written: list[tuple[str, str, dict]] = []

    def deliver(self, stream, records):
        failed = []
        for index, (key, data) in enumerate(records):
            event = json.loads(data)
            if event["event_id"] in self.refuse:
                failed.append(index)
            else:
                self.written.append((stream["DestinationStreamArn"], key, event))
        return failed


def record(sequence, app_id, event_id, endpoint="reader"):
    event = {
        "event_type": "_email.open",
        "event_id": event_id,
        "application": {"app_id": app_id},
        "client": {"client_id": endpoint},
    }
    return (sequence, json.dumps(event).encode())


def test_the_sample_batch_goes_to_the_applications_stream(monkeypatch):
    delivery = Delivery()
    use(monkeypatch, wiring, "event_export", EventExport(Destinations({APP: STREAM}), delivery))
    answer = handler("event_export")(sample("lake/event_export/batch.json"), Context())
    assert answer == {"batchItemFailures": []}
    assert [(arn.rsplit("/", 1)[1], key, e["event_id"]) for arn, key, e in delivery.written] == [
        ("pinpoint-events", "sample-reader", "sample-export-1"),
        ("pinpoint-events", "sample-reader-2", "sample-export-2"),
    ]


def test_only_applications_with_a_stream_export_and_a_failure_hands_back_the_rest_from_it():
    other = "f" * 32
    delivery = Delivery(refuse={"e3"})
    exported = EventExport(Destinations({APP: STREAM}), delivery).export(
        [
            record("1", APP, "e1"),
            record("2", other, "e2"),  # no event stream: skipped
            ("3", b"not json"),  # not an event: skipped
            record("4", APP, "e3"),
            record("5", APP, "e4"),
        ]
    )
    assert (exported.delivered, exported.skipped, exported.failed) == (2, 2, ["4"])
    assert [e["event_id"] for _a, _k, e in delivery.written] == ["e1", "e4"]


def test_the_customer_stream_is_written_as_the_role_and_refusals_are_answered_by_index():
    sts = boto3.client("sts", region_name="us-east-1")
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    firehose = boto3.client("firehose", region_name="us-east-1")
    credentials = {
        "AccessKeyId": "ASIAEXAMPLE0000000",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": datetime(2030, 1, 1, tzinfo=UTC),
    }
    clients = {"kinesis": kinesis, "firehose": firehose}
    roles = RoleClients(sts, lambda service, _c: clients[service], SESSION_NAME, lambda: 0.0)
    streams = CustomerStreams(roles)
    role = {
        "Credentials": credentials,
        "AssumedRoleUser": {"AssumedRoleId": "AROA:x", "Arn": "arn:aws:sts::123456789012:assumed-role/x/y"},
    }
    with Stubber(sts) as sts_stub, Stubber(kinesis) as kinesis_stub, Stubber(firehose) as firehose_stub:
        sts_stub.add_response(
            "assume_role", role, {"RoleArn": STREAM["RoleArn"], "RoleSessionName": "engage-event-stream"}
        )
        kinesis_stub.add_response(
            "put_records",
            {
                "FailedRecordCount": 1,
                "Records": [
                    {"SequenceNumber": "1", "ShardId": "s"},
                    {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"},
                ],
            },
            {
                "StreamARN": STREAM["DestinationStreamArn"],
                "Records": [{"PartitionKey": "a", "Data": b"1"}, {"PartitionKey": "b", "Data": b"2"}],
            },
        )
        kinesis_stub.add_client_error("put_records", "ResourceNotFoundException", "gone", 400)
        hose = {
            **STREAM,
            "DestinationStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/events",
        }
        sts_stub.add_response(
            "assume_role", role, {"RoleArn": STREAM["RoleArn"], "RoleSessionName": "engage-event-stream"}
        )
        firehose_stub.add_response(
            "put_record_batch",
            {"FailedPutCount": 0, "RequestResponses": [{"RecordId": "r1"}]},
            {"DeliveryStreamName": "events", "Records": [{"Data": b"1\n"}]},
        )
        assert streams.deliver(STREAM, [("a", b"1"), ("b", b"2")]) == [1]
        assert streams.deliver(STREAM, [("a", b"1"), ("b", b"2")]) == [0, 1]  # the role kept
        assert streams.deliver(hose, [("a", b"1")]) == []
        sts_stub.assert_no_pending_responses()


def test_the_sample_records_are_pinpoint_events():
    batch = sample("lake/event_export/batch.json")
    for item in batch["Records"]:
        event = json.loads(base64.b64decode(item["kinesis"]["data"]))
        assert event["application"]["app_id"] == APP and event["event_type"] == "_email.open"
