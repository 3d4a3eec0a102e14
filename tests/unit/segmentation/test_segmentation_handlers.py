"""Segmentation's handlers (functions/segmentation/segment_query_check, segment_query_run) driven
with their sample events (events/segmentation/segment_query_*/), their use cases built from
in-memory fakes in place of the wiring's (engage.segmentation.wiring); and the wiring's settings."""

from __future__ import annotations

import hashlib
import sys
from typing import Any

import pytest
from engage.config import Settings
from engage.errors import ValidationError
from engage.runtime import services
from engage.segmentation import wiring
from engage.segmentation.query_runs import CheckedQuery, QueryStatus
from engage.segmentation.workflow import QueryCheck, QueryRun

from tests.support.fakes import MemorySegments
from tests.support.thin_handlers import Context, KnownApps, handler, sample, use

APP = "0123456789abcdef0123456789abcdef"
WORK = "work-bucket"
SPEND_TIERS = (
    'SELECT c.customer_id AS Id, c.tier AS "Attributes.Tier", sum(o.total) AS "Metrics.Spend" '
    "FROM customers c JOIN orders o ON o.customer_id = c.customer_id GROUP BY 1, 2"
)


def handler_with(monkeypatch: pytest.MonkeyPatch, name: str, accessor: str, use_case: object) -> Any:
    """functions/<name>/app.py's handler, loaded afresh, its use case `use_case` in place of the
    wiring's `accessor`."""
    use(monkeypatch, wiring, accessor, use_case)
    return handler(name)


class MemoryFiles:
    def __init__(self, files: dict[tuple[str, str], bytes]) -> None:
        self.files = files

    def existing(self, bucket: str, key: str) -> tuple[str, dict[str, str] | None]:
        return key, {} if (bucket, key) in self.files else None

    def read(self, bucket: str, key: str) -> bytes:
        return self.files[(bucket, key)]


class ScriptedEngine:
    """A query engine whose queries succeed when started, writing under segment-queries/results/."""

    def __init__(self) -> None:
        self.started: dict[str, CheckedQuery] = {}
        self.stopped: list[str] = []

    def _status(self, query_id: str) -> QueryStatus:
        return QueryStatus(
            query_id, "SUCCEEDED", result=f"s3://{WORK}/segment-queries/results/{query_id}.csv"
        )

    def start_query(self, query: CheckedQuery, token: str) -> QueryStatus:
        self.started[token] = query
        return self._status(token)

    def status(self, query_id: str) -> QueryStatus:
        return self._status(query_id) if query_id in self.started else QueryStatus(query_id, "RUNNING")

    def stop(self, query_id: str) -> QueryStatus:
        self.stopped.append(query_id)
        return QueryStatus(query_id, "CANCELLED", "stopped")


# --- segment_query_check -------------------------------------------------------------------------------
@pytest.fixture
def check(monkeypatch):
    segments = MemorySegments()
    segments.put({"ApplicationId": APP, "Id": "seg-imported", "Name": "Last week's", "SegmentType": "IMPORT"})
    segments.put(
        {"ApplicationId": APP, "Id": "seg-dimensional", "Name": "Gold", "SegmentType": "DIMENSIONAL"}
    )
    use_case = QueryCheck(
        applications=KnownApps(APP),
        files=MemoryFiles({(WORK, "segment-queries/named/spend_tiers.sql"): SPEND_TIERS.encode()}),
        segments=segments,
        work_bucket=WORK,
        database="crm",
        tables="customers,orders",
        poll_seconds=5,
        max_polls=120,
        import_concurrency=4,
    )
    return handler_with(monkeypatch, "segment_query_check", "query_check", use_case)


def test_the_direct_sample_is_valid_and_defines_its_segment(check):
    answer = check(sample("segmentation/segment_query_check/direct.json", APP_ID=APP), Context())
    assert answer == answer | {
        "Status": "VALID",
        "ApplicationId": APP,
        "Type": "direct",
        "Mode": "members",
        "DefineSegment": True,
        "SegmentName": "Big spenders",
        "SegmentId": None,
        "Columns": ["Id"],
        "Tables": ["customers", "orders"],
        "PollSeconds": 5,
        "MaxPolls": 120,
        "ImportConcurrency": 4,
    }
    assert answer["Sql"].startswith('SELECT DISTINCT "Id" FROM (') and '"crm"."orders"' in answer["Sql"]


def test_the_named_mutate_sample_reads_its_query_from_the_work_bucket(check):
    answer = check(sample("segmentation/segment_query_check/named-mutate.json", APP_ID=APP), Context())
    assert (answer["Status"], answer["Mode"], answer["DefineSegment"]) == ("VALID", "update", False)
    assert answer["Columns"] == ["Id", "Attributes.Tier", "Metrics.Spend"]
    assert answer["SegmentName"] is None


def test_the_refused_sample_answers_invalid_with_the_reason_and_the_request(check):
    event = sample("segmentation/segment_query_check/refused.json", APP_ID=APP)
    answer = check(event, Context())
    assert answer["Status"] == "INVALID" and answer["Request"] == event
    assert "table payments is not one a segment query may read" in answer["Reason"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"ApplicationId": "f" * 32}, "Application not found"),
        ({"QueryName": "nightly", "Query": None}, "there is no named query nightly (s3://work-bucket/"),
        ({"SegmentId": "seg-dimensional", "SegmentName": None}, "seg-dimensional is not an imported segment"),
        ({"Type": "everything"}, "must be direct"),
    ],
)
def test_an_unknown_app_query_or_segment_and_a_broken_request_answer_invalid(check, change, reason):
    event = sample("segmentation/segment_query_check/direct.json", APP_ID=APP) | change
    event = {k: v for k, v in event.items() if v is not None}
    answer = check(event, Context())
    assert answer["Status"] == "INVALID" and reason in answer["Reason"], answer


def test_a_refreshed_imported_segment_keeps_its_name(check):
    event = sample("segmentation/segment_query_check/direct.json", APP_ID=APP) | {"SegmentId": "seg-imported"}
    del event["SegmentName"]
    answer = check(event, Context())
    assert (answer["Status"], answer["SegmentId"], answer["SegmentName"]) == (
        "VALID",
        "seg-imported",
        "Last week's",
    )


# --- segment_query_run ---------------------------------------------------------------------------------
@pytest.fixture
def engine():
    return ScriptedEngine()


@pytest.fixture
def run(monkeypatch, engine):
    return handler_with(monkeypatch, "segment_query_run", "query_run", QueryRun(engine))


def test_the_start_sample_starts_once_per_execution_and_answers_where_the_result_is(run, engine):
    event = sample("segmentation/segment_query_run/start.json", EXECUTION_NAME="exec-1")
    answer = run(event, Context())
    token = hashlib.sha256(event["Execution"].encode()).hexdigest()
    assert engine.started == {
        token: CheckedQuery(event["Query"]["Sql"], ("Id",), ("customers",)),
    }
    assert answer == {
        "QueryId": token,
        "State": "SUCCEEDED",
        "Reason": "",
        "Result": f"s3://{WORK}/segment-queries/results/{token}.csv",
        "Bucket": WORK,
        "Key": f"segment-queries/results/{token}.csv",
        "JobId": hashlib.sha256(token.encode()).hexdigest()[:32],
    }
    assert run(event, Context()) == answer  # a retried start names the same query and import job


def test_the_check_sample_reads_the_status_and_stop_stops(run, engine):
    answer = run(sample("segmentation/segment_query_run/check.json", QUERY_ID="q-1"), Context())
    assert answer == {"QueryId": "q-1", "State": "RUNNING", "Reason": "", "Result": ""}
    stopped = run({"Action": "stop", "QueryId": "q-1"}, Context())
    assert stopped == {"QueryId": "q-1", "State": "CANCELLED", "Reason": "stopped", "Result": ""}
    assert engine.stopped == ["q-1"]


def test_an_unknown_action_fails_the_step(run):
    with pytest.raises(ValidationError, match="start, check or stop"):
        run({"Action": "restart"}, Context())


# --- the wiring ----------------------------------------------------------------------------------------
def test_the_settings_read_the_areas_variables_with_their_defaults():
    assert wiring.SegmentationSettings.from_env({}) == wiring.SegmentationSettings(
        poll_seconds=5, max_polls=120, import_concurrency=4, query_engine="ATHENA", query_data_prefix=""
    )
    settings = wiring.SegmentationSettings.from_env(
        {
            "SEGMENT_QUERY_DATABASE": "crm",
            "SEGMENT_QUERY_TABLES": "customers,orders",
            "SEGMENT_QUERY_POLL_SECONDS": "2",
            "SEGMENT_QUERY_MAX_POLLS": "9",
            "IMPORT_CONCURRENCY": "3",
            "SEGMENT_QUERY_ENGINE": "DUCKDB",
            "SEGMENT_QUERY_WORKGROUP": "wg",
            "SEGMENT_QUERY_DATA_BUCKET": "crm-lake",
            "SEGMENT_QUERY_DATA_PREFIX": "tables/",
            "WORK_BUCKET": "not the area's",
        }
    )
    assert settings == wiring.SegmentationSettings(
        "crm", "customers,orders", 2, 9, 3, "DUCKDB", "wg", "crm-lake", "tables/"
    )


def test_the_engine_is_athena_unless_the_local_stack_asks_for_duckdb(monkeypatch):
    from engage.adapters.athena.queries import AthenaQueries
    from engage_duckdb.queries import DuckDbQueries

    class Factory:
        def client(self, name: str) -> str:
            return f"{name}-client"

    monkeypatch.setattr(services, "factory", Factory())
    monkeypatch.setitem(services.__dict__, "objects", "object-store")
    monkeypatch.setitem(services.__dict__, "settings", Settings(work_bucket=WORK))
    athena = wiring.query_engine(wiring.SegmentationSettings("crm", query_workgroup="wg"))
    assert athena == AthenaQueries("athena-client", "wg", "crm")
    duckdb = wiring.query_engine(
        wiring.SegmentationSettings("crm", query_engine="DUCKDB", query_data_bucket="crm-lake")
    )
    assert duckdb == DuckDbQueries("object-store", "crm-lake", "", "crm", WORK, "segment-queries/results/")
    with pytest.raises(ValidationError, match="ATHENA or DUCKDB"):
        wiring.query_engine(wiring.SegmentationSettings("crm", query_engine="PRESTO"))
    with pytest.raises(ValidationError, match="SEGMENT_QUERY_DATABASE"):
        wiring.query_engine(wiring.SegmentationSettings())


def test_duckdb_without_its_layer_is_refused_by_name(monkeypatch):
    monkeypatch.setitem(sys.modules, "engage_duckdb.queries", None)  # the layer is not attached
    config = wiring.SegmentationSettings("crm", query_engine="DUCKDB", query_data_bucket="crm-lake")
    with pytest.raises(ValidationError, match="SEGMENT_QUERY_ENGINE: DUCKDB needs the DuckDB layer"):
        wiring.query_engine(config)
