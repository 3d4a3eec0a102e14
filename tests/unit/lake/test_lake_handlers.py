"""The lake's handlers (functions/{lake_erasure,lake_names,lake_views,feedback_bus,channel_events}/app.py)
fed their sample events (events/<name>/), with in-memory lake files, stores, queries, bus, stream and
idempotency records put in at the wiring's accessor; and the wiring itself: its settings from the
environment and its use cases on a fake client factory."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer, DataRecord
from engage.errors import RetriesExhaustedError, ValidationError
from engage.lake import wiring
from engage.lake.channel_events import ChannelEvents, stream_put
from engage.lake.erasure import ErasureProgress, LakeErasure, Person
from engage.lake.feedback_bus import FeedbackPublisher
from engage.lake.names import NAMES_KEY, NamesExport
from engage.lake.views import ViewsResource
from engage.lake.wiring import LakeSettings
from engage.runtime import services

from tests.support.channel_records import APP
from tests.support.thin_handlers import Context, handler, sample, use

ENDPOINT = "r-1"


# --- lake_erasure ------------------------------------------------------------------------------------
class MemoryLake:
    """The lake's files as the erasure sees them: each call answers the next progress queued."""

    def __init__(self, *answers: ErasureProgress) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[Person, float, dict[str, str] | None]] = []

    def erase(
        self, person: Person, pseudonym: Any, deadline: float, resume: dict[str, str] | None = None
    ) -> ErasureProgress:
        self.calls.append((person, deadline, resume))
        return self.answers.pop(0)


def erasure_with(monkeypatch: pytest.MonkeyPatch, lake: MemoryLake) -> list[str]:
    queued: list[str] = []
    use(
        monkeypatch,
        wiring,
        "lake_erasure",
        LakeErasure(lake, lambda *_a: "pseudonym", queued.append, clock=lambda: 1000.0),
    )
    return queued


def test_lake_erasure_reads_the_lake_until_the_deadline_and_queues_nothing_when_it_is_done(monkeypatch):
    lake = MemoryLake(ErasureProgress(files_read=3, files_rewritten=1, lines_removed=2))
    queued = erasure_with(monkeypatch, lake)
    event = sample("lake/lake_erasure/person.json", APP_ID=APP, ENDPOINT_ID=ENDPOINT)
    answer = handler("lake_erasure")(event, Context(remaining_millis=300_000))
    assert answer == {"batchItemFailures": []}
    ((person, deadline, resume),) = lake.calls
    assert person == Person(APP, frozenset({ENDPOINT}), frozenset())
    assert deadline == 1000.0 + 300 - 60 and resume is None  # a minute kept before the timeout
    assert queued == []


def test_lake_erasure_queues_what_is_left_with_where_to_resume(monkeypatch):
    where = {"Prefix": "ses/", "After": "ses/2026/11/20/10/part-1.gz"}
    lake = MemoryLake(ErasureProgress(files_read=9, resume=where), ErasureProgress(files_read=1))
    queued = erasure_with(monkeypatch, lake)
    erase = handler("lake_erasure")
    assert erase(sample("lake/lake_erasure/person.json", APP_ID=APP, ENDPOINT_ID=ENDPOINT), Context()) == {
        "batchItemFailures": []
    }
    (body,) = queued
    assert json.loads(body) == {
        "ApplicationId": APP,
        "EndpointIds": [ENDPOINT],
        "Pseudonyms": [],
        "Resume": where,
    }
    again = sample("lake/lake_erasure/person.json", APP_ID=APP, ENDPOINT_ID=ENDPOINT)
    again["Records"][0]["body"] = body
    assert erase(again, Context()) == {"batchItemFailures": []}
    assert lake.calls[1][2] == where and len(queued) == 1


def test_a_lake_erasure_request_naming_no_one_fails_alone(monkeypatch):
    lake = MemoryLake(ErasureProgress(files_read=3))
    queued = erasure_with(monkeypatch, lake)
    event = sample("lake/lake_erasure/person.json", APP_ID=APP, ENDPOINT_ID=ENDPOINT)
    no_one = {**event["Records"][0], "messageId": "no-one", "body": json.dumps({"ApplicationId": APP})}
    event["Records"].insert(0, no_one)
    answer = handler("lake_erasure")(event, Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "no-one"}]}
    assert len(lake.calls) == 1 and queued == []


# --- lake_names --------------------------------------------------------------------------------------
class MemoryCampaigns:
    def __init__(self, live: list[dict[str, Any]], deleted: list[dict[str, Any]]) -> None:
        self.live, self.gone = live, deleted

    def all(self) -> Iterator[dict[str, Any]]:
        return iter(self.live)

    def deleted(self) -> Iterator[dict[str, Any]]:
        return iter(self.gone)


class MemorySegments:
    def __init__(self, segments: list[dict[str, Any]]) -> None:
        self.segments = segments

    def all(self) -> Iterator[dict[str, Any]]:
        return iter(self.segments)


def test_lake_names_writes_every_name_into_the_lake_and_answers_how_many(monkeypatch):
    written: dict[str, tuple[bytes, str]] = {}
    campaigns = MemoryCampaigns(
        [{"ApplicationId": APP, "Id": "c-1", "Name": "Spring sale", "SegmentId": "s-1"}],
        [{"ApplicationId": APP, "Id": "c-0", "Name": "Winter sale", "SegmentId": "s-1"}],
    )
    segments = MemorySegments([{"ApplicationId": APP, "Id": "s-1", "Name": "Readers"}])
    export = NamesExport(campaigns, segments, lambda key, body, kind: written.update({key: (body, kind)}))
    use(monkeypatch, wiring, "names_export", export)
    answer = handler("lake_names")(sample("lake/lake_names/scheduled.json"), Context())
    assert answer == {"Names": 3, "Key": NAMES_KEY}
    body, kind = written[NAMES_KEY]
    assert kind == "application/x-ndjson"
    rows = [json.loads(line) for line in body.decode().splitlines()]
    assert [(r["kind"], r["id"], r["name"], r["deleted"]) for r in rows] == [
        ("campaign", "c-1", "Spring sale", False),
        ("campaign", "c-0", "Winter sale", True),
        ("segment", "s-1", "Readers", False),
    ]


# --- lake_views --------------------------------------------------------------------------------------
class MemoryQueries:
    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on
        self.opened: list[tuple[str, str, float]] = []
        self.ran: list[str] = []

    def __call__(self, workgroup: str, database: str, max_wait_seconds: float) -> MemoryQueries:
        self.opened.append((workgroup, database, max_wait_seconds))
        return self

    def run(self, sql: str) -> str:
        if self.fail_on and self.fail_on in sql:
            raise RuntimeError("query q-1 failed: SYNTAX_ERROR: line 1:8")
        self.ran.append(sql)
        return f"q-{len(self.ran)}"


def views_with(monkeypatch: pytest.MonkeyPatch, queries: MemoryQueries) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []

    def respond(event: Any, status: str, physical_id: str, data: Any = None, reason: str = "") -> None:
        answers.append({"status": status, "physical_id": physical_id, "data": data, "reason": reason})

    use(monkeypatch, wiring, "views_resource", ViewsResource(queries, respond))
    return answers


def test_lake_views_creates_each_view_and_answers_cloudformation(monkeypatch):
    queries = MemoryQueries()
    answers = views_with(monkeypatch, queries)
    event = sample("lake/lake_views/create.json", RESPONSE_URL="http://127.0.0.1:1/response")
    assert handler("lake_views")(event, Context(remaining_millis=30_000)) is None
    assert queries.opened == [("WORKGROUP", "DATABASE", 10.0)]  # (30 s - 20 s kept) for one statement
    assert queries.ran == [
        'CREATE OR REPLACE VIEW "sample_sends" AS\nSELECT event_type, count(*) AS n FROM events GROUP BY 1'
    ]
    assert answers == [
        {"status": "SUCCESS", "physical_id": "DATABASE/views", "data": {"Views": 1}, "reason": ""}
    ]


def test_a_view_athena_refuses_fails_the_resource_with_athenas_reason(monkeypatch):
    answers = views_with(monkeypatch, MemoryQueries(fail_on="sample_sends"))
    event = sample("lake/lake_views/create.json", RESPONSE_URL="http://127.0.0.1:1/response")
    handler("lake_views")(event, Context())
    assert answers == [
        {"status": "FAILED", "physical_id": "DATABASE/views", "data": None,
         "reason": "RuntimeError: query q-1 failed: SYNTAX_ERROR: line 1:8"},
    ]  # fmt: skip


def test_a_bad_view_name_fails_the_resource_before_anything_runs(monkeypatch):
    queries = MemoryQueries()
    answers = views_with(monkeypatch, queries)
    event = sample("lake/lake_views/create.json", RESPONSE_URL="http://127.0.0.1:1/response")
    event["ResourceProperties"]["Views"][0]["Name"] = "Bad-Name"
    event["PhysicalResourceId"] = "DATABASE/views"
    handler("lake_views")(event, Context())
    assert queries.opened == [] and answers[0]["status"] == "FAILED"
    assert answers[0]["reason"].startswith("ValidationError: ")


# --- feedback_bus ------------------------------------------------------------------------------------
class MemoryBus:
    """The engagement bus; it refuses the entries about `refused` (an endpoint id)."""

    def __init__(self, refused: str | None = None) -> None:
        self.refused = refused
        self.entries: list[dict[str, Any]] = []

    def put(self, entries: list[dict[str, Any]]) -> int:
        if any(json.loads(e["Detail"])["endpoint_id"] == self.refused for e in entries):
            raise RetriesExhaustedError("EventBridge refused 1 event(s): AccessDeniedException")
        self.entries.extend(entries)
        return 1


def kinesis_event(*documents: dict[str, Any]) -> dict[str, Any]:
    """The sample's envelope around each stream record given, their sequence numbers 1, 2, ..."""
    event = sample("lake/feedback_bus/hard_bounce.json")
    template = event["Records"][0]
    event["Records"] = [
        {**template, "kinesis": {**template["kinesis"], "sequenceNumber": str(n),
                                 "data": base64.b64encode(json.dumps(d).encode()).decode()}}
        for n, d in enumerate(documents, 1)
    ]  # fmt: skip
    return event


def stream_record() -> dict[str, Any]:
    event = sample("lake/feedback_bus/hard_bounce.json")
    return json.loads(base64.b64decode(event["Records"][0]["kinesis"]["data"]))


def test_feedback_bus_puts_a_hard_bounce_on_the_engagement_bus(monkeypatch):
    bus = MemoryBus()
    use(monkeypatch, wiring, "feedback_publisher", FeedbackPublisher(bus, "engagement"))
    answer = handler("feedback_bus")(sample("lake/feedback_bus/hard_bounce.json"), Context())
    assert answer == {"batchItemFailures": []}
    (entry,) = bus.entries
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "engage.events", "Email Hard Bounce", "engagement",
    )  # fmt: skip
    detail = json.loads(entry["Detail"])
    assert detail["endpoint_id"] == "sample-reader" and detail["bounce_type"] == "Permanent"


def test_feedback_bus_skips_what_is_not_feedback_and_hands_back_what_the_bus_refused(monkeypatch):
    bus = MemoryBus(refused="refused-reader")
    use(monkeypatch, wiring, "feedback_publisher", FeedbackPublisher(bus, "engagement"))
    bounce = stream_record()
    delivered = {**bounce, "event_type": "_email.delivered"}
    refused = {**bounce, "client": {"client_id": "refused-reader"}}
    answer = handler("feedback_bus")(kinesis_event(delivered, refused, bounce), Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert [json.loads(e["Detail"])["endpoint_id"] for e in bus.entries] == ["sample-reader"]


# --- channel_events ----------------------------------------------------------------------------------
class MemoryStream:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def put_records(self, entries: list[tuple[bytes, str]]) -> list[str | None]:
        self.records.extend(json.loads(data) for data, _key in entries)
        return [None] * len(entries)


class MemoryPersistence(BasePersistenceLayer):
    """Powertools' idempotency records in a dict (the DynamoDB table's part)."""

    def __init__(self, **_table: Any) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        if idempotency_key not in self.records:
            raise IdempotencyItemNotFoundError
        return self.records[idempotency_key]

    def _put_record(self, data_record: DataRecord) -> None:
        kept = self.records.get(data_record.idempotency_key)
        if kept is not None and not kept.is_expired:
            raise IdempotencyItemAlreadyExistsError(old_data_record=kept)
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)


def channel_events_with(monkeypatch: pytest.MonkeyPatch) -> MemoryStream:
    stream, config = MemoryStream(), IdempotencyConfig(event_key_jmespath="event_id")
    put_once = idempotent_function(
        stream_put(stream),
        data_keyword_argument="event",
        persistence_store=MemoryPersistence(),
        config=config,
    )
    use(monkeypatch, wiring, "channel_events", ChannelEvents(put_once, config.register_lambda_context))
    return stream


@pytest.mark.parametrize(
    ("name", "events"),
    [
        (
            "ses_feedback.json",
            [("_email.hardbounce", "sample-reader"), ("_email.complaint", "sample-angry")],
        ),
        ("sms_delivered.json", [("_SMS.SUCCESS", "sample-texter")]),
    ],
)
def test_channel_events_puts_each_channel_record_on_the_stream_once(monkeypatch, name, events):
    stream = channel_events_with(monkeypatch)
    put_events = handler("channel_events")
    event = sample(f"lake/channel_events/{name}", APP_ID=APP)
    assert put_events(event, Context()) == {"batchItemFailures": []}
    assert put_events(copy.deepcopy(event), Context()) == {"batchItemFailures": []}  # redelivered
    assert [(r["event_type"], r["client"]["client_id"]) for r in stream.records] == events
    assert {r["application"]["app_id"] for r in stream.records} == {APP}


def test_channel_events_keeps_the_senders_own_send_raw_only_and_fails_an_unreadable_record(monkeypatch):
    stream = channel_events_with(monkeypatch)
    event = sample("lake/channel_events/ses_feedback.json", APP_ID=APP)
    first = event["Records"][0]
    first["body"] = json.dumps({**json.loads(first["body"]), "eventType": "Send", "send": {}})
    assert handler("channel_events")(event, Context()) == {"batchItemFailures": []}
    assert [r["event_type"] for r in stream.records] == ["_email.complaint"]  # the send is kept raw only
    first["body"] = json.dumps({"eventType": "Bounce"})
    answer = handler("channel_events")(event, Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": first["messageId"]}]}


# --- the wiring --------------------------------------------------------------------------------------
def test_the_settings_are_the_variables_the_lakes_functions_are_given():
    environ = {
        "EVENTS_BUCKET": "events",
        "LAKE_ERASURE_QUEUE_URL": "https://sqs/lake-erasure",
        "CAMPAIGNS_TABLE": "campaigns",
        "SEGMENTS_TABLE": "segments",
        "JOURNEYS_TABLE": "journeys",
        "ENGAGEMENT_BUS": "engagement",
        "IDEMPOTENCY_TABLE": "idempotency",
        "EVENT_STREAM": "not the lake's own",
    }
    assert LakeSettings.from_env(environ) == LakeSettings(
        "events", "https://sqs/lake-erasure", "campaigns", "segments", "journeys", "engagement", "idempotency"
    )
    with pytest.raises(ValidationError, match="ENGAGEMENT_BUS"):
        LakeSettings.from_env({}).require("engagement_bus")


class FakeClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Any:
        def call(**request: Any) -> dict[str, Any]:
            self.calls.append((operation, request))
            return {"Entries": [{"EventId": "e-1"}] * len(request.get("Entries", []))}

        return call


class FakeFactory:
    def __init__(self) -> None:
        self.clients: dict[str, FakeClient] = {}

    def client(self, service: str, **_options: Any) -> FakeClient:
        return self.clients.setdefault(service, FakeClient())


@pytest.fixture
def fresh_wiring(monkeypatch):
    """The wiring's accessors built afresh on a fake client factory, and forgotten after."""
    factory = FakeFactory()
    monkeypatch.setattr(services, "factory", factory)
    accessors = (wiring.lake_erasure, wiring.names_export, wiring.views_resource, wiring.feedback_publisher)
    for accessor in (*accessors, wiring.channel_events):
        accessor.cache_clear()
    yield factory
    for accessor in (*accessors, wiring.channel_events):
        accessor.cache_clear()


def test_the_wiring_puts_feedback_on_the_bus_its_function_names(monkeypatch, fresh_wiring):
    monkeypatch.setenv("ENGAGEMENT_BUS", "engagement")
    wiring.feedback_publisher().publish(stream_record())
    ((operation, request),) = fresh_wiring.clients["events"].calls
    assert operation == "put_events" and request["Entries"][0]["EventBusName"] == "engagement"


def test_the_wiring_queues_what_the_lake_erasure_left_on_its_queue(monkeypatch, fresh_wiring):
    monkeypatch.setenv("EVENTS_BUCKET", "events")
    monkeypatch.setenv("LAKE_ERASURE_QUEUE_URL", "https://sqs/lake-erasure")
    wiring.lake_erasure().requeue('{"ApplicationId": "a"}')
    assert fresh_wiring.clients["sqs"].calls == [
        ("send_message", {"QueueUrl": "https://sqs/lake-erasure", "MessageBody": '{"ApplicationId": "a"}'})
    ]


def test_the_wiring_keys_each_channel_event_as_the_handler_always_has(monkeypatch, fresh_wiring):
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "idempotency")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "channel-events")
    persistence = MemoryPersistence()
    monkeypatch.setattr(wiring, "DynamoDBPersistenceLayer", lambda **_table: persistence)
    stream = MemoryStream()
    monkeypatch.setitem(services.__dict__, "event_stream", stream)
    handler("channel_events")(sample("lake/channel_events/sms_delivered.json", APP_ID=APP), Context())
    assert len(stream.records) == 1
    (key,) = persistence.records
    assert key.startswith("channel-events.app.put_once.<locals>.put#")  # the records kept before still count
