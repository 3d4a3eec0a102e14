"""The event stream on Kinesis Data Streams: one PutRecords call per batch, returning each entry's
error code so that `engage.events.emit` retries exactly the entries that failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class KinesisEventStream:
    def __init__(self, stream_name: str, client: Any) -> None:
        self.stream_name = stream_name
        self.client = client

    def put_records(self, entries: Sequence[tuple[bytes, str]]) -> list[str | None]:
        response = self.client.put_records(
            StreamName=self.stream_name,
            Records=[{"Data": data, "PartitionKey": key} for data, key in entries],
        )
        return [result.get("ErrorCode") for result in response["Records"]]
