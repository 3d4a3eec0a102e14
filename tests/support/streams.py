"""Reading what reached a Kinesis stream in the tests, every shard from the start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def shard_records(kinesis: Any, stream_name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(shard id, Kinesis record) for every record on the stream, shard by shard in order."""
    for shard in kinesis.list_shards(StreamName=stream_name)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream_name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            yield from ((shard["ShardId"], r) for r in page["Records"])
            iterator = page.get("NextShardIterator") if page["Records"] else None


def stream_records(kinesis: Any, stream_name: str) -> list[dict[str, Any]]:
    """Every record on the stream as parsed JSON, shard by shard in order."""
    return [json.loads(record["Data"]) for _, record in shard_records(kinesis, stream_name)]
