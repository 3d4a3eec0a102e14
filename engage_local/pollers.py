"""Event source mappings with Lambda's semantics, replacing moto's own triggers.

SQS: batches up to BatchSize (gathering across receives for MaximumBatchingWindowInSeconds), the
queue's visibility timeout and receive counts (so its redrive policy moves a poison message to the
DLQ at maxReceiveCount), ReportBatchItemFailures (only the failed records return to the queue;
a malformed response fails the whole batch), FIFO group order (the queue holds a group back while
one of its messages is in flight).

Kinesis: one poller per shard, batches in shard order; a batch is retried until it succeeds, with
ReportBatchItemFailures checkpointing at the lowest failed sequence number, BisectBatchOnFunctionError
splitting a failing batch, MaximumRetryAttempts and MaximumRecordAgeInSeconds bounding the retries and
the OnFailure destination receiving what is given up on; the shard does not move past a batch until it
is resolved. FilterCriteria drop the records no filter matches before any invocation (their data
parsed as JSON, as Lambda's event filtering does).

Firehose with a Kinesis source: one reader per shard of the source stream, from LATEST, delivering
each read to the delivery stream.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
import uuid
from typing import Any

from engage.adapters.clients import ClientFactory
from moto.awslambda import models as lambda_models
from moto.core import DEFAULT_ACCOUNT_ID
from moto.events.models import EventPattern
from moto.firehose import models as firehose_models
from moto.kinesis import models as kinesis_models
from moto.sqs import models as sqs_models

from engage_local.iam.principals import as_role, function_role
from engage_local.invoker import Invoker, now_iso, send_to
from engage_local.runtime import Invocation

log = logging.getLogger("engage_local.pollers")
POLL_INTERVAL = 0.05  # between the receives that gather one batch within its batching window
# An idle poller sleeps until work arrives (Arrivals) or this long, whichever is first; an SQS
# poller sooner when a message in flight or delayed falls due.
IDLE_WAIT = 1.0
MIN_WAIT = 0.005
RETRY_PAUSE = 0.1


class Arrivals:
    """Wakes idle pollers when the emulator gains work: a message sent to any queue or made visible,
    a FIFO group freed by a delete, a record put on any stream, the clock moving delayed messages.
    Dozens of pollers each waking every few milliseconds to look would spend the machine's cores
    (and the GIL) on nothing."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.generation = 0

    def notify(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Until something arrived after generation `seen` was read, or `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation != seen, max(timeout, MIN_WAIT))


ARRIVALS = Arrivals()


def _notifying(method: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        finally:
            ARRIVALS.notify()

    wrapper.__wrapped__ = method  # type: ignore[attr-defined]
    return wrapper


_WATCHED = (
    (sqs_models.Queue, "add_message"),
    (sqs_models.SQSBackend, "change_message_visibility"),
    (sqs_models.SQSBackend, "change_message_visibility_batch"),
    # A FIFO group's next message can be received once the one in flight is deleted.
    (sqs_models.SQSBackend, "delete_message"),
    (kinesis_models.Shard, "put_record"),
)


_watchers = [0]  # stacks running in this process (a test may run two side by side)


def watch_arrivals() -> None:
    """Has moto tell ARRIVALS of new work, until the last stack calls `unwatch_arrivals`."""
    _watchers[0] += 1
    for model, name in _WATCHED:
        method = getattr(model, name)
        if not hasattr(method, "__wrapped__"):
            setattr(model, name, _notifying(method))


def unwatch_arrivals() -> None:
    _watchers[0] -= 1
    if _watchers[0] > 0:
        return
    for model, name in _WATCHED:
        method = getattr(model, name)
        if hasattr(method, "__wrapped__"):
            setattr(model, name, method.__wrapped__)


def _latest_sequence(stream_arn: str, shard_id: str) -> int:
    """The sequence number of the newest record a shard holds (0 for none), from moto's backend."""
    _, _, _, region, account, resource = stream_arn.split(":", 5)
    stream = kinesis_models.kinesis_backends[account][region].streams.get(resource.split("/", 1)[1])
    shard = stream.shards.get(shard_id) if stream is not None else None
    if shard is None or not shard.records:
        return 0
    return int(next(reversed(shard.records)))


def _batch_failures(result: Invocation, identifiers: list[str], key: str) -> set[str] | None:
    """The item identifiers a ReportBatchItemFailures response names; None when the whole batch
    failed (a function error, or a response Lambda would reject as malformed)."""
    if result.errored:
        return None
    try:
        response = json.loads(result.payload) if result.payload else None
    except json.JSONDecodeError:
        return None
    if response is None or not isinstance(response, dict) or "batchItemFailures" not in response:
        return set()
    failures = response["batchItemFailures"]
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    named = set()
    for failure in failures:
        identifier = failure.get(key) if isinstance(failure, dict) else None
        if not identifier or identifier not in identifiers:
            return None  # Lambda treats an unknown or empty identifier as a failure of the whole batch
        named.add(identifier)
    return named


SOON_SECONDS = 5.0  # a delayed message due within this is work in progress, not a later send
LAMBDA_ROLE = "arn:aws:iam::123456789012:role/lambda-role"  # a function whose role is gone meanwhile


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of the event Lambda's SQS poller hands a function, from a ReceiveMessage message
    (as the Lambda developer guide shows it): the system attributes as SQS returns them (a FIFO
    queue's with its SequenceNumber), each message attribute with the value its type carries and
    Lambda's empty list values, the queue's ARN and Region."""
    attributes = dict(message.get("Attributes", {}))
    if queue_arn.endswith(".fifo") and "SequenceNumber" not in attributes:
        attributes["SequenceNumber"] = _sequence_number(message["MessageId"], attributes.get("SentTimestamp"))
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """Lambda's spelling of a message attribute: `stringValue` for String and Number types,
    `binaryValue` (base64) for Binary ones, never a null of the other."""
    attribute: dict[str, Any] = {}
    if value.get("StringValue") is not None:
        attribute["stringValue"] = value["StringValue"]
    if value.get("BinaryValue") is not None:
        binary = value["BinaryValue"]
        attribute["binaryValue"] = (
            base64.b64encode(binary).decode() if isinstance(binary, (bytes, bytearray)) else binary
        )
    return {**attribute, "stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}


def _sequence_number(message_id: str, sent_timestamp: str | None) -> str:
    """SQS gives every message of a FIFO queue a SequenceNumber (twenty digits, growing with the
    send); moto gives one only when the sender named a deduplication id. Stable across receives."""
    digest = int(hashlib.sha256(message_id.encode()).hexdigest(), 16) % 10**7
    return f"{int(sent_timestamp or 0):013d}{digest:07d}"


def kinesis_record(record: dict[str, Any], shard_id: str, stream_arn: str, role_arn: str) -> dict[str, Any]:
    """One record of the event Lambda's Kinesis poller hands a function, from a GetRecords record
    (as the Lambda developer guide shows it); `invokeIdentityArn` is the function's role."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": base64.b64encode(record["Data"]).decode(),
            "approximateArrivalTimestamp": round(record["ApproximateArrivalTimestamp"].timestamp(), 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": stream_arn.split(":")[3],
        "eventSourceARN": stream_arn,
    }


class SqsPoller(threading.Thread):
    def __init__(self, esm: Any, invoker: Invoker, clients: ClientFactory) -> None:
        super().__init__(name=f"sqs-{esm.uuid[:8]}", daemon=True)
        self.esm = esm
        self.invoker = invoker
        self.sqs = as_role(clients, function_role(esm.function_arn)).client("sqs")  # as Lambda reads
        self.queue_url = clients.client("sqs").get_queue_url(QueueName=esm.event_source_arn.split(":")[5])[
            "QueueUrl"
        ]
        self.stopped = threading.Event()
        self.batches = 0

    def _queue(self) -> Any:
        _, _, _, region, account, name = self.esm.event_source_arn.split(":")
        return sqs_models.sqs_backends[account][region].queues.get(name)

    def _readable(self) -> bool:
        """Whether a receive could return anything: the queue holds a visible message. Read from the
        emulator's memory, so an empty queue costs no request (polling every queue over HTTP would
        spend the machine's cores on nothing)."""
        queue = self._queue()
        return queue is not None and any(m.visible and not m.delayed for m in list(queue._messages))

    def quiet(self) -> bool:
        """Nothing to read and nothing in flight or about to return (a failed record, a send held a
        moment); a message delayed for longer (held until a later time) waits for the clock, and a
        disabled mapping's queue is nobody's work in progress."""
        if not self.esm.enabled:
            return True
        queue = self._queue()
        if queue is None:
            return True
        soon = time.time() * 1000 + SOON_SECONDS * 1000
        return not (
            queue.approximate_number_of_messages
            or queue.approximate_number_of_messages_not_visible
            or any(m.delayed and m.delayed_until <= soon for m in list(queue._messages))
        )

    def _next_due(self) -> float:
        """Seconds until a message in flight becomes visible again or a delayed one is due (at most
        IDLE_WAIT): neither is an arrival, but either is work."""
        queue = self._queue()
        now_ms = time.time() * 1000
        soonest = IDLE_WAIT * 1000
        for message in list(queue._messages) if queue is not None else []:
            for at in (message.visible_at, message.delayed_until):
                if at > now_ms:
                    soonest = min(soonest, at - now_ms)
        return soonest / 1000

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                seen = ARRIVALS.generation
                if not self._poll_once():
                    ARRIVALS.wait(seen, self._next_due())
            except Exception:
                log.exception("SQS poller for %s failed; continuing", self.esm.event_source_arn)
                time.sleep(RETRY_PAUSE)

    def _poll_once(self) -> bool:
        if not self.esm.enabled or not self._readable():
            return False
        batch_size = int(self.esm.batch_size or 10)
        window = float(self.esm.max_batch_window or 0)
        messages: list[dict] = []
        deadline = time.monotonic() + window
        while len(messages) < batch_size:
            if messages and not self._more_within(deadline):
                break
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, batch_size - len(messages)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            messages.extend(received)
            if not received and (time.monotonic() >= deadline or not window):
                break
            if not received:
                time.sleep(POLL_INTERVAL)
        if not messages:
            return False
        self.batches += 1
        event = {"Records": [self._record(m) for m in messages]}
        result = self.invoker.invoke(self.esm.function_arn, event)
        ids = [m["MessageId"] for m in messages]
        reports = "ReportBatchItemFailures" in (self.esm.function_response_types or [])
        failed = (
            _batch_failures(result, ids, "itemIdentifier") if reports else (None if result.errored else set())
        )
        if failed is None:
            return True  # nothing deleted: every message comes back after its visibility timeout
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ],
            )
        return True

    def _more_within(self, deadline: float) -> bool:
        """Whether a message to add to the batch becomes readable before its window closes: waits
        for one without a request (a receive every few milliseconds through a window of a second
        spent the stack's CPU on empty answers)."""
        while True:
            seen = ARRIVALS.generation
            if self._readable():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ARRIVALS.wait(seen, min(left, self._next_due()))

    def _record(self, message: dict) -> dict[str, Any]:
        return sqs_record(message, self.esm.event_source_arn)


class KinesisShardPoller(threading.Thread):
    def __init__(self, esm: Any, shard_id: str, invoker: Invoker, clients: ClientFactory) -> None:
        super().__init__(name=f"kinesis-{esm.uuid[:8]}-{shard_id[-4:]}", daemon=True)
        self.esm = esm
        self.shard_id = shard_id
        self.invoker = invoker
        self.clients = as_role(clients, function_role(esm.function_arn))  # as Lambda reads and reports
        self.kinesis = self.clients.client("kinesis")
        self.stream_name = esm.event_source_arn.split("/")[-1]
        self.stopped = threading.Event()
        position = (esm.starting_position or "TRIM_HORIZON").upper()
        request: dict[str, Any] = {
            "StreamName": self.stream_name,
            "ShardId": shard_id,
            "ShardIteratorType": position,
        }
        if position == "AT_TIMESTAMP":
            request["Timestamp"] = esm.starting_position_timestamp
        self.iterator = self.kinesis.get_shard_iterator(**request)["ShardIterator"]
        self.busy = False
        # The last sequence number read: LATEST starts past what the shard holds now.
        self.read_up_to = _latest_sequence(esm.event_source_arn, shard_id) if position == "LATEST" else 0

    def quiet(self) -> bool:
        """Every record the shard holds has been read and handled."""
        return not self.busy and self.read_up_to >= _latest_sequence(self.esm.event_source_arn, self.shard_id)

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                seen = ARRIVALS.generation
                latest = _latest_sequence(self.esm.event_source_arn, self.shard_id)
                if latest <= self.read_up_to:
                    ARRIVALS.wait(seen, IDLE_WAIT)  # nothing new: no request until a record arrives
                    continue
                response = self.kinesis.get_records(
                    ShardIterator=self.iterator, Limit=int(self.esm.batch_size or 100)
                )
                records = response.get("Records", [])
                matching = [r for r in records if self._matches(r)]
                if matching:
                    self.busy = True
                    try:
                        self._process(matching)
                    finally:
                        self.busy = False
                self.iterator = response.get("NextShardIterator") or self.iterator
                # Nothing read: the iterator is past every record the shard held (an AT_TIMESTAMP
                # start skips older ones), so they are not waited for again.
                self.read_up_to = int(records[-1]["SequenceNumber"]) if records else latest
            except Exception:
                log.exception("Kinesis poller for %s/%s failed; continuing", self.stream_name, self.shard_id)
                time.sleep(RETRY_PAUSE)

    def _matches(self, record: dict) -> bool:
        """Lambda's event filtering: a record is delivered when any filter's pattern matches it,
        with its data parsed as JSON (data that is not JSON only matches patterns without `data`)."""
        filters = (self.esm.filter_criteria or {}).get("Filters") or []
        if not filters:
            return True
        try:
            data: Any = json.loads(record["Data"])
        except ValueError:
            data = None
        subject = {"partitionKey": record["PartitionKey"], "data": data}
        return any(EventPattern.load(f["Pattern"]).matches_event(subject) for f in filters)

    def _process(self, records: list[dict]) -> None:
        pending = [records]
        attempts = 0
        max_retries = self.esm.max_retry_attempts
        max_retries = -1 if max_retries is None else int(max_retries)
        max_age = self.esm.max_record_age
        max_age = -1 if max_age is None else int(max_age)
        reports = "ReportBatchItemFailures" in (self.esm.function_response_types or [])
        while pending and not self.stopped.is_set():
            batch = pending[0]
            if max_age >= 0 and time.time() - batch[0]["ApproximateArrivalTimestamp"].timestamp() > max_age:
                self._give_up(pending.pop(0), "RecordAgeExceeded", attempts)
                continue
            result = self.invoker.invoke(self.esm.function_arn, self._event(batch))
            sequence_numbers = [r["SequenceNumber"] for r in batch]
            failed = (
                _batch_failures(result, sequence_numbers, "itemIdentifier")
                if reports
                else (None if result.errored else set())
            )
            if failed == set():
                pending.pop(0)
                attempts = 0
                continue
            attempts += 1
            if failed:  # checkpoint: everything before the lowest failed record is done
                first = min(sequence_numbers.index(s) for s in failed)
                batch = pending[0] = batch[first:]
            elif self.esm.bisect_on_error and len(batch) > 1:
                middle = len(batch) // 2
                pending[0:1] = [batch[:middle], batch[middle:]]
                continue
            if 0 <= max_retries < attempts:
                self._give_up(pending.pop(0), "RetryAttemptsExhausted", attempts)
                attempts = 0
                continue
            time.sleep(RETRY_PAUSE)

    def _event(self, batch: list[dict]) -> dict[str, Any]:
        role = function_role(self.esm.function_arn) or LAMBDA_ROLE
        return {"Records": [kinesis_record(r, self.shard_id, self.esm.event_source_arn, role) for r in batch]}

    def _give_up(self, batch: list[dict], condition: str, attempts: int) -> None:
        destination = ((self.esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
        log.warning(
            "Kinesis batch %s..%s on %s given up (%s)",
            batch[0]["SequenceNumber"],
            batch[-1]["SequenceNumber"],
            self.shard_id,
            condition,
        )
        if not destination:
            return
        send_to(
            self.clients,
            self.invoker,
            destination,
            {
                "requestContext": {
                    "requestId": str(uuid.uuid4()),
                    "functionArn": self.esm.function_arn,
                    "condition": condition,
                    "approximateInvokeCount": attempts,
                },
                "responseContext": {
                    "statusCode": 200,
                    "executedVersion": "$LATEST",
                    "functionError": "Unhandled",
                },
                "version": "1.0",
                "timestamp": now_iso(),
                "KinesisBatchInfo": {
                    "shardId": self.shard_id,
                    "startSequenceNumber": batch[0]["SequenceNumber"],
                    "endSequenceNumber": batch[-1]["SequenceNumber"],
                    "approximateArrivalOfFirstRecord": batch[0]["ApproximateArrivalTimestamp"].isoformat(),
                    "approximateArrivalOfLastRecord": batch[-1]["ApproximateArrivalTimestamp"].isoformat(),
                    "batchSize": len(batch),
                    "streamArn": self.esm.event_source_arn,
                },
            },
        )


class FirehoseSourcePoller(threading.Thread):
    """A delivery stream whose source is a Kinesis stream (KinesisStreamAsSource) reads each shard
    from LATEST, as Firehose does, and delivers what it reads (moto's Firehose does not read its
    source); a batch Firehose refuses is tried again, the shard does not move past it."""

    def __init__(self, delivery_stream: str, stream_arn: str, shard_id: str, clients: ClientFactory) -> None:
        super().__init__(name=f"firehose-{delivery_stream[-12:]}-{shard_id[-4:]}", daemon=True)
        self.delivery_stream = delivery_stream
        self.stream_name = stream_arn.split("/")[-1]
        self.firehose = clients.client("firehose")
        self.kinesis = clients.client("kinesis")
        self.stopped = threading.Event()
        self.iterator = self.kinesis.get_shard_iterator(
            StreamName=self.stream_name, ShardId=shard_id, ShardIteratorType="LATEST"
        )["ShardIterator"]
        self.stream_arn, self.shard_id = stream_arn, shard_id
        self.read_up_to = _latest_sequence(stream_arn, shard_id)

    def quiet(self) -> bool:
        return self.read_up_to >= _latest_sequence(self.stream_arn, self.shard_id)

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                seen = ARRIVALS.generation
                latest = _latest_sequence(self.stream_arn, self.shard_id)
                if latest <= self.read_up_to:
                    ARRIVALS.wait(seen, IDLE_WAIT)  # nothing new: no request until a record arrives
                    continue
                response = self.kinesis.get_records(ShardIterator=self.iterator, Limit=500)
                records = response.get("Records", [])
                if records:
                    self.firehose.put_record_batch(
                        DeliveryStreamName=self.delivery_stream,
                        Records=[{"Data": r["Data"]} for r in records],
                    )
                self.read_up_to = int(records[-1]["SequenceNumber"]) if records else latest
                self.iterator = response.get("NextShardIterator") or self.iterator
            except Exception:
                log.exception("Firehose %s could not read or deliver; trying again", self.delivery_stream)
                time.sleep(RETRY_PAUSE)


class Pollers:
    """Starts a poller for every event source mapping the emulator holds, as they appear."""

    def __init__(self, invoker: Invoker, clients: ClientFactory, region: str) -> None:
        self.invoker = invoker
        self.clients = clients
        self.region = region
        self._pollers: dict[str, list[threading.Thread]] = {}
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._discover, name="event-source-discovery", daemon=True)

    def start(self) -> None:
        watch_arrivals()
        self._thread.start()

    def stop(self) -> None:
        unwatch_arrivals()
        self._stopped.set()
        for pollers in self._pollers.values():
            for poller in pollers:
                poller.stopped.set()

    def quiet(self) -> bool:
        """Every poller has read all there is and has nothing in flight."""
        return all(getattr(p, "quiet", lambda: True)() for ps in list(self._pollers.values()) for p in ps)

    def batches(self, function_arn: str) -> int:
        return sum(
            getattr(p, "batches", 0)
            for ps in self._pollers.values()
            for p in ps
            if getattr(getattr(p, "esm", None), "function_arn", None) == function_arn
        )

    def _discover(self) -> None:
        while not self._stopped.is_set():
            try:
                self.refresh()
            except Exception:
                log.exception("event source discovery failed; continuing")
            self._stopped.wait(0.2)

    def refresh(self) -> None:
        backend = lambda_models.lambda_backends[DEFAULT_ACCOUNT_ID][self.region]
        for esm in list(backend._event_source_mappings.values()):
            if esm.uuid in self._pollers:
                continue
            service = esm.event_source_arn.split(":")[2]
            if service == "sqs":
                pollers: list[threading.Thread] = [SqsPoller(esm, self.invoker, self.clients)]
            elif service == "kinesis":
                stream = esm.event_source_arn.split("/")[-1]
                shards = self.clients.client("kinesis").list_shards(StreamName=stream)["Shards"]
                pollers = [KinesisShardPoller(esm, s["ShardId"], self.invoker, self.clients) for s in shards]
            else:
                log.warning("no local poller for event source %s", esm.event_source_arn)
                pollers = []
            self._pollers[esm.uuid] = pollers
            for poller in pollers:
                poller.start()
        self._refresh_firehose()

    def _refresh_firehose(self) -> None:
        backend = firehose_models.firehose_backends[DEFAULT_ACCOUNT_ID][self.region]
        for name, stream in list(backend.delivery_streams.items()):
            key = f"firehose:{name}"
            if key in self._pollers or stream.delivery_stream_type != "KinesisStreamAsSource":
                continue
            source = stream.source["KinesisStreamARN"]
            shards = self.clients.client("kinesis").list_shards(StreamName=source.split("/")[-1])["Shards"]
            self._pollers[key] = [
                FirehoseSourcePoller(name, source, s["ShardId"], self.clients) for s in shards
            ]
            for poller in self._pollers[key]:
                poller.start()


def age_delayed_messages(seconds: float) -> int:
    """Brings every delayed SQS message `seconds` closer to its delivery (the stack's clock moved
    on: a message delayed until a time now past is due); how many became due."""
    due, now_ms = 0, time.time() * 1000
    for regions in sqs_models.sqs_backends.values():
        for backend in regions.values():
            for queue in backend.queues.values():
                for message in list(queue._messages):
                    if message.delayed_until > now_ms:
                        message.delayed_until -= seconds * 1000
                        due += message.delayed_until <= now_ms
    if due:
        ARRIVALS.notify()
    return due


def next_delayed_seconds() -> float | None:
    """Seconds until the next delayed SQS message falls due, if any is waiting."""
    now_ms = time.time() * 1000
    waits = [
        message.delayed_until - now_ms
        for regions in sqs_models.sqs_backends.values()
        for backend in regions.values()
        for queue in backend.queues.values()
        for message in list(queue._messages)
        if message.delayed_until > now_ms
    ]
    return min(waits) / 1000 if waits else None
