"""engage.events.emit() against a Kinesis stream (moto) created from the template's EventStream."""

import json

from engage.events import Event, emit

from tests.support.streams import shard_records


def read_all(client, stream_name):
    return list(shard_records(client, stream_name))


def test_emitted_events_arrive_on_the_stream_in_pinpoint_schema_partitioned_by_endpoint(aws, stream):
    events = [
        Event(
            "_email.send",
            "app1",
            f"ep-{i % 3}",
            attributes={"campaign_id": "c1", "seq": str(i)},
            metrics={"price_in_millicents_usd": 0.0},
        )
        for i in range(30)
    ]
    result = emit(events, stream)
    assert result.records == 30
    assert result.puts == 1

    received = read_all(aws.client("kinesis"), stream.stream_name)
    assert len(received) == 30
    by_endpoint = {}
    for shard, record in received:
        body = json.loads(record["Data"])
        assert record["PartitionKey"] == body["client"]["client_id"]
        assert body["event_type"] == "_email.send"
        assert body["application"]["app_id"] == "app1"
        assert body["attributes"]["campaign_id"] == "c1"
        by_endpoint.setdefault(body["client"]["client_id"], []).append(
            (shard, int(body["attributes"]["seq"]))
        )
    for endpoint, seen in by_endpoint.items():
        assert len({shard for shard, _ in seen}) == 1, f"{endpoint} stays on one shard"
        sequence = [seq for _, seq in seen]
        assert sequence == sorted(sequence), f"{endpoint} events keep their order"
