"""Engagement events in the schema of Pinpoint's event stream, put on the core Kinesis stream.

`emit()` is how every flow reports what happened (`_email.send`, `_SMS.FAILURE`, `_campaign.send`,
custom events): records keep Pinpoint's field names so consumers written for Pinpoint's stream
(Firehose to S3, Athena views, ISV consumers) read them unchanged. Records are partitioned by
endpoint, so one endpoint's events keep their order on a shard.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage import clock
from engage.contacts.model import check_app_id
from engage.errors import RetriesExhaustedError, ValidationError
from engage.retry import Backoff, is_retryable

EVENT_VERSION = "3.1"
MAX_RECORDS_PER_PUT = 500
MAX_BYTES_PER_PUT = 5 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024  # data and partition key together
MAX_PARTITION_KEY_LENGTH = 256


EVENT_TYPE_TEXT = "printable text: no control, format (bidi, zero-width) or replacement characters, no markup"
_NOT_IN_EVENT_TYPES = frozenset("<>\ufffd")


def printable_event_type(event_type: str) -> bool:
    """Whether an event type is plain printable text, as dashboards, the lake's views and a
    campaign's EventFilter show and match it: no control or format characters (NUL, escapes, bidi
    overrides, zero-width spaces), no replacement character (undecodable input), no markup."""
    return event_type.isprintable() and not _NOT_IN_EVENT_TYPES.intersection(event_type)


@dataclass(frozen=True)
class Event:
    """One engagement event. `endpoint_id` becomes `client.client_id`; `attributes` are strings and
    `metrics` numbers, as in Pinpoint's schema; `facets` and `client_context` pass through."""

    event_type: str
    app_id: str
    endpoint_id: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    timestamp_ms: int | None = None
    session: Mapping[str, Any] | None = None
    facets: Mapping[str, Any] | None = None
    client_context: Mapping[str, Any] | None = None
    event_id: str | None = None


def to_record(event: Event, *, arrival_ms: int, account_id: str | None = None) -> dict[str, Any]:
    """The Pinpoint event-stream record for an event (checked: a bad event raises, never sends)."""
    if not isinstance(event.event_type, str) or not event.event_type.strip():
        raise ValidationError("event_type", "an event type is required")
    check_app_id(event.app_id)
    if not isinstance(event.endpoint_id, str) or not event.endpoint_id:
        raise ValidationError("client.client_id", "the endpoint id of the event is required")
    for name, value in event.attributes.items():
        if not isinstance(value, str):
            raise ValidationError(f"attributes.{name}", "attribute values are strings")
    for name, value in event.metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValidationError(f"metrics.{name}", "metric values are finite numbers")
    record: dict[str, Any] = {
        "event_type": event.event_type,
        "event_timestamp": event.timestamp_ms if event.timestamp_ms is not None else arrival_ms,
        "arrival_timestamp": arrival_ms,
        "event_version": EVENT_VERSION,
        "event_id": event.event_id or str(uuid.uuid4()),
        "application": {"app_id": event.app_id, "sdk": {}},
        "client": {"client_id": event.endpoint_id},
        "device": {"platform": {}},
        "session": dict(event.session or {}),
        "attributes": dict(event.attributes),
        "metrics": dict(event.metrics),
    }
    if event.client_context:
        record["client_context"] = dict(event.client_context)
    if event.facets:
        record["facets"] = dict(event.facets)
    if account_id:
        record["awsAccountId"] = account_id
    return record


class EventStream(Protocol):
    def put_records(self, entries: Sequence[tuple[bytes, str]]) -> list[str | None]:
        """Puts (data, partition key) entries; returns per entry None or the error code it failed with."""
        ...


@dataclass(frozen=True)
class EmitResult:
    records: int
    puts: int  # PutRecords calls made, retries included
    retried: int  # entries that needed another attempt


def emit(
    events: Iterable[Event],
    stream: EventStream,
    *,
    backoff: Backoff | None = None,
    account_id: str | None = None,
    clock_ms: Any = None,
) -> EmitResult:
    """Puts events on the stream in PutRecords batches (500 records, 5 MiB). Entries the stream
    rejects with a throttling or transient code are retried with backoff and jitter; any other code,
    or retries running out, raises RetriesExhaustedError naming what was not written (never dropped
    silently). Every event is checked before anything is sent."""
    backoff = backoff or Backoff()
    now_ms = clock_ms or (lambda: int(clock.time() * 1000))
    arrival = now_ms()
    entries = [_entry(to_record(event, arrival_ms=arrival, account_id=account_id)) for event in events]
    puts = retried = 0
    for batch in _batches(entries):
        pending = batch
        for attempt in range(backoff.max_attempts):
            codes = stream.put_records(pending)
            puts += 1
            failed = [(entry, code) for entry, code in zip(pending, codes, strict=True) if code]
            if not failed:
                break
            fatal = [(entry, code) for entry, code in failed if not is_retryable(code)]
            if fatal:
                raise RetriesExhaustedError(
                    f"{len(fatal)} event(s) were refused by the stream: {fatal[0][1]}",
                    failures=[_describe(e, c) for e, c in failed],
                )
            retried += len(failed)
            pending = [entry for entry, _ in failed]
            if attempt + 1 < backoff.max_attempts:
                backoff.wait(attempt)
        else:
            raise RetriesExhaustedError(
                f"{len(pending)} event(s) still throttled after {backoff.max_attempts} attempts",
                failures=[_describe(e, "throttled") for e in pending],
            )
    return EmitResult(records=len(entries), puts=puts, retried=retried)


def _entry(record: dict[str, Any]) -> tuple[bytes, str]:
    data = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()
    key = record["client"]["client_id"][:MAX_PARTITION_KEY_LENGTH]
    if len(data) + len(key.encode()) > MAX_RECORD_BYTES:
        raise ValidationError(
            "event",
            f"{record['event_type']} record is {len(data)} bytes; Kinesis takes at most "
            f"{MAX_RECORD_BYTES} per record",
        )
    return data, key


def _batches(entries: list[tuple[bytes, str]]) -> Iterable[list[tuple[bytes, str]]]:
    batch: list[tuple[bytes, str]] = []
    size = 0
    for data, key in entries:
        entry_size = len(data) + len(key.encode())
        if batch and (len(batch) == MAX_RECORDS_PER_PUT or size + entry_size > MAX_BYTES_PER_PUT):
            yield batch
            batch, size = [], 0
        batch.append((data, key))
        size += entry_size
    if batch:
        yield batch


def _describe(entry: tuple[bytes, str], code: str) -> dict[str, str]:
    record = json.loads(entry[0])
    return {"event_id": record["event_id"], "event_type": record["event_type"], "error": code}
