"""PutEventStream's delivery: each application's events, as they reach the engagement event stream,
written to the Kinesis data stream or Firehose delivery stream its PutEventStream names, through
the role it names, as Pinpoint's event streams did. The engagement stream's records are in
Pinpoint's event-stream format already, so existing consumers of the customer's stream keep
working.

Delivery is at least once, as Pinpoint's was. A record the destination did not take (throttled, a
role that can't be assumed, a stream that is gone) comes back as the batch's failure from that
record on: the stream retries it, and when retries run out the batch's place goes to the mapping's
on-failure destination with an alarm, never dropped. A record that is not an event is counted and
skipped."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.obs import logger

MAX_BATCH = 500  # Kinesis PutRecords and Firehose PutRecordBatch take at most 500 records


class Destinations(Protocol):
    def of(self, app_id: str) -> Mapping[str, Any] | None:
        """The application's EventStream (PutEventStream), or None when it has none."""
        ...


class Delivery(Protocol):
    def deliver(self, stream: Mapping[str, Any], records: Sequence[tuple[str, bytes]]) -> list[int]:
        """Writes (partition key, data) records to the stream as its role; the indexes not written."""
        ...


@dataclass
class Exported:
    delivered: int = 0
    skipped: int = 0  # not an event, or an application without an event stream
    failed: list[str] = field(default_factory=list)  # sequence numbers to report as batch failures


@dataclass
class EventExport:
    destinations: Destinations
    delivery: Delivery

    def export(self, records: Sequence[tuple[str, bytes]]) -> Exported:
        """`records`: (sequence number, data) in stream order."""
        result = Exported()
        by_app: dict[str, list[tuple[int, str, bytes]]] = {}
        for index, (_sequence, data) in enumerate(records):
            app_id, endpoint_id = _keys(data)
            stream = self.destinations.of(app_id) if app_id else None
            if stream is None:
                result.skipped += 1
                continue
            by_app.setdefault(app_id, []).append((index, endpoint_id, data))
        first_failure: int | None = None
        for app_id, items in by_app.items():
            stream = self.destinations.of(app_id)
            assert stream is not None
            for start in range(0, len(items), MAX_BATCH):
                chunk = items[start : start + MAX_BATCH]
                failed = self.delivery.deliver(stream, [(key, data) for _i, key, data in chunk])
                result.delivered += len(chunk) - len(failed)
                if failed:
                    logger.warning(
                        "event stream delivery failed",
                        extra={"application_id": app_id, "failed": len(failed), "records": len(chunk)},
                    )
                    lowest = min(chunk[i][0] for i in failed)
                    first_failure = lowest if first_failure is None else min(first_failure, lowest)
        if first_failure is not None:
            # The stream retries from the first failed record: everything after it comes again.
            result.failed = [records[first_failure][0]]
        return result


def _keys(data: bytes) -> tuple[str | None, str]:
    """The application and the partition key (the endpoint, as Pinpoint keyed its records)."""
    try:
        event = json.loads(data)
    except ValueError:
        return None, ""
    application = event.get("application") if isinstance(event, dict) else None
    if not isinstance(application, dict) or not application.get("app_id"):
        return None, ""
    client = event.get("client") if isinstance(event.get("client"), dict) else {}
    return str(application["app_id"]), str(client.get("client_id") or event.get("event_id") or "event")
