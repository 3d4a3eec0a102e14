import json
import random

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.kinesis.stream import KinesisEventStream
from engage.errors import RetriesExhaustedError, ValidationError
from engage.events import Event, emit, to_record
from engage.retry import Backoff


class ScriptedStream:
    """A stream that answers each put with the next scripted list of error codes (None = ok)."""

    def __init__(self, *scripts):
        self.scripts = list(scripts)
        self.calls = []

    def put_records(self, entries):
        self.calls.append(list(entries))
        script = self.scripts.pop(0) if self.scripts else None
        return [None] * len(entries) if script is None else script(entries)


def no_wait(max_attempts=8):
    return Backoff(sleep=lambda _s: None, rng=random.Random(0), max_attempts=max_attempts)


def send(event_type="_email.send", endpoint="ep-1", **kw):
    return Event(event_type=event_type, app_id="app1", endpoint_id=endpoint, **kw)


def test_records_follow_pinpoints_event_stream_schema():
    record = to_record(
        send(
            attributes={"campaign_id": "c1", "treatment_id": "0"},
            metrics={"price": 0.645},
            timestamp_ms=1700000000000,
            facets={"email_channel": {"mail_event": {}}},
        ),
        arrival_ms=1700000000500,
        account_id="123456789012",
    )
    assert record["event_type"] == "_email.send"
    assert record["event_timestamp"] == 1700000000000
    assert record["arrival_timestamp"] == 1700000000500
    assert record["event_version"] == "3.1"
    assert record["application"] == {"app_id": "app1", "sdk": {}}
    assert record["client"] == {"client_id": "ep-1"}
    assert record["attributes"] == {"campaign_id": "c1", "treatment_id": "0"}
    assert record["metrics"] == {"price": 0.645}
    assert record["facets"] == {"email_channel": {"mail_event": {}}}
    assert record["awsAccountId"] == "123456789012"
    assert record["event_id"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (send(event_type=""), "event_type"),
        (send(endpoint=""), "client.client_id"),
        (send(attributes={"n": 1}), "attributes.n"),
        (send(metrics={"m": "x"}), "metrics.m"),
        (Event("_custom", "bad app!", "ep"), "ApplicationId"),
    ],
)
def test_bad_events_are_refused_before_anything_is_sent(event, field):
    stream = ScriptedStream()
    with pytest.raises(ValidationError) as caught:
        emit([send(), event], stream, backoff=no_wait())
    assert caught.value.field == field
    assert stream.calls == []


def test_events_are_batched_by_count_and_partitioned_by_endpoint():
    stream = ScriptedStream()
    result = emit([send(endpoint=f"ep-{i % 7}") for i in range(1203)], stream, backoff=no_wait())
    assert [len(c) for c in stream.calls] == [500, 500, 203]
    assert result.records == 1203
    assert result.puts == 3
    assert result.retried == 0
    data, key = stream.calls[0][8]
    assert key == "ep-1"
    assert json.loads(data)["client"]["client_id"] == "ep-1"


def test_events_are_batched_by_size():
    big = "x" * 300_000
    stream = ScriptedStream()
    emit([send(attributes={"body": big}) for _ in range(40)], stream, backoff=no_wait())
    assert all(sum(len(d) + len(k) for d, k in call) <= 5 * 1024 * 1024 for call in stream.calls)
    assert sum(len(c) for c in stream.calls) == 40
    assert len(stream.calls) > 1


def test_a_record_over_one_mebibyte_is_refused():
    with pytest.raises(ValidationError, match="at most 1048576"):
        emit([send(attributes={"body": "x" * 1_100_000})], ScriptedStream(), backoff=no_wait())


def test_throttled_entries_alone_are_retried_until_they_land():
    def throttle_odd(entries):
        return [("ProvisionedThroughputExceededException" if i % 2 else None) for i in range(len(entries))]

    stream = ScriptedStream(throttle_odd, lambda e: ["InternalFailure"] + [None] * (len(e) - 1))
    result = emit([send(endpoint=f"ep-{i}") for i in range(10)], stream, backoff=no_wait())
    assert [len(c) for c in stream.calls] == [10, 5, 1]
    assert result.puts == 3
    assert result.retried == 6
    retried_ids = {json.loads(d)["client"]["client_id"] for d, _ in stream.calls[1]}
    assert retried_ids == {f"ep-{i}" for i in range(1, 10, 2)}


def test_a_non_retryable_failure_raises_with_what_was_not_written():
    stream = ScriptedStream(lambda e: [None, "KMSAccessDeniedException", None])
    with pytest.raises(RetriesExhaustedError) as caught:
        emit([send(endpoint=f"ep-{i}") for i in range(3)], stream, backoff=no_wait())
    assert [f["error"] for f in caught.value.failures] == ["KMSAccessDeniedException"]


def test_throttling_that_never_ends_raises_after_the_bounded_attempts():
    always = lambda e: ["ProvisionedThroughputExceededException"] * len(e)  # noqa: E731
    stream = ScriptedStream(*[always] * 10)
    with pytest.raises(RetriesExhaustedError, match="still throttled after 3 attempts") as caught:
        emit([send(), send(endpoint="ep-2")], stream, backoff=no_wait(max_attempts=3))
    assert len(stream.calls) == 3
    assert len(caught.value.failures) == 2


def test_the_kinesis_adapter_sends_a_valid_put_records_request_and_maps_error_codes():
    client = boto3.client("kinesis", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response(
            "put_records",
            {
                "FailedRecordCount": 1,
                "Records": [
                    {"SequenceNumber": "1", "ShardId": "shardId-000000000000"},
                    {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"},
                ],
            },
            {
                "StreamName": "events",
                "Records": [{"Data": b"a", "PartitionKey": "ep-1"}, {"Data": b"b", "PartitionKey": "ep-2"}],
            },
        )
        codes = KinesisEventStream("events", client).put_records([(b"a", "ep-1"), (b"b", "ep-2")])
    assert codes == [None, "ProvisionedThroughputExceededException"]
