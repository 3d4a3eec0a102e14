"""The metrics' Athena path (engage.adapters.athena.queries, engage.api.wiring): ids go as execution
parameters, the query is bounded below API Gateway's 29 s and a query still running at the bound is
stopped and answered as TooManyRequestsException (botocore's Stubber checks every request)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from engage.adapters.athena.queries import AthenaQueries, QueryFailedError, QueryTimeoutError
from engage.api import wiring
from engage.api.kpis import DateRangeKpis
from engage.errors import ValidationError

from tests.support.athena import Clock, athena

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def started(sql, parameters):
    return {
        "QueryString": sql,
        "WorkGroup": "engage-lake",
        "QueryExecutionContext": {"Database": "engage_lake"},
        "ExecutionParameters": list(parameters),
    }


def test_a_metric_runs_one_parameterised_query_and_reads_its_rows():
    client, stub = athena()
    metrics = DateRangeKpis(
        AthenaQueries(client, "engage-lake", "engage_lake", sleep=lambda _s: None),
        lambda app_id, campaign_id: {"Id": campaign_id},
        NOW.timestamp,
    )
    from engage.api.kpis import CAMPAIGN_KPIS, date_range, query

    expected = query(
        CAMPAIGN_KPIS["clicks-grouped-by-campaign-activity"], "app1", *date_range(None, None, NOW), "camp1"
    )
    stub.add_response(
        "start_query_execution", {"QueryExecutionId": "q-1"}, started(expected.sql, ["'app1'", "'camp1'"])
    )
    stub.add_response(
        "get_query_execution",
        {"QueryExecution": {"QueryExecutionId": "q-1", "Status": {"State": "SUCCEEDED"}}},
        {"QueryExecutionId": "q-1"},
    )
    meta = {"ColumnInfo": [{"Name": "grouped", "Type": "varchar"}, {"Name": "value", "Type": "bigint"}]}
    header = {"Data": [{"VarCharValue": "grouped"}, {"VarCharValue": "value"}]}
    stub.add_response(
        "get_query_results",
        {
            "ResultSet": {
                "Rows": [header, {"Data": [{"VarCharValue": "run-1"}, {"VarCharValue": "7"}]}],
                "ResultSetMetadata": meta,
            }
        },
        {"QueryExecutionId": "q-1"},
    )
    with stub:
        answer = metrics.campaign("app1", "camp1", "clicks-grouped-by-campaign-activity")
    stub.assert_no_pending_responses()
    assert answer["KpiResult"]["Rows"] == [
        {
            "GroupedBys": [{"Key": "CampaignActivityId", "Type": "String", "Value": "run-1"}],
            "Values": [{"Key": "Clicks", "Type": "Double", "Value": "7.0"}],
        }
    ]


def test_a_query_still_running_at_the_bound_is_stopped_and_answered_as_too_many_requests():
    client, stub = athena()
    clock = Clock()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"}, started("SELECT ?", ["'a'"]))
    running = {"QueryExecution": {"QueryExecutionId": "q-1", "Status": {"State": "RUNNING"}}}
    for _ in range(15):  # at 0, 0.05, 0.15, 0.35, 0.75, 1.55, 3.15, ... 19.15 s: the next would pass 20 s
        stub.add_response("get_query_execution", running, {"QueryExecutionId": "q-1"})
    stub.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-1"})
    queries = AthenaQueries(
        client,
        "engage-lake",
        "engage_lake",
        max_wait_seconds=wiring.KPI_QUERY_SECONDS,
        sleep=clock.sleep,
        clock=clock,
    )
    with stub, pytest.raises(QueryTimeoutError, match="still RUNNING after 20 s") as stopped:
        queries.rows("SELECT ?", ["'a'"])
    stub.assert_no_pending_responses()
    assert clock.now < 20
    assert stopped.value.pinpoint_type == "TooManyRequestsException"
    assert isinstance(stopped.value, QueryFailedError)  # what the lake's and segments' callers catch


def test_a_failed_query_is_an_internal_error_with_athenas_reason():
    client, stub = athena()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"}, started("SELECT ?", ["'a'"]))
    stub.add_response(
        "get_query_execution",
        {
            "QueryExecution": {
                "QueryExecutionId": "q-1",
                "Status": {"State": "FAILED", "StateChangeReason": "Permission denied on S3 path"},
            }
        },
        {"QueryExecutionId": "q-1"},
    )
    with stub, pytest.raises(QueryFailedError, match="Permission denied") as failed:
        AthenaQueries(client, "engage-lake", "engage_lake", sleep=lambda _s: None).run("SELECT ?", ["'a'"])
    assert failed.value.pinpoint_type == "InternalServerErrorException"


def test_a_statement_without_parameters_is_started_without_them():
    client, stub = athena()
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {"QueryString": "SELECT 1", "WorkGroup": "wg", "QueryExecutionContext": {"Database": "lake"}},
    )
    with stub:
        assert AthenaQueries(client, "wg", "lake").start("SELECT 1") == "q-1"


def test_the_wiring_reads_the_lakes_database_and_workgroup_and_names_what_is_missing(monkeypatch):
    monkeypatch.setenv("LAKE_DATABASE", "engage_lake")
    monkeypatch.setenv("LAKE_WORKGROUP", "engage-lake")
    settings = wiring.LakeQuerySettings.from_env()
    assert (settings.lake_database, settings.lake_workgroup) == ("engage_lake", "engage-lake")
    monkeypatch.delenv("LAKE_WORKGROUP")
    with pytest.raises(ValidationError, match="LAKE_WORKGROUP"):
        wiring.LakeQuerySettings.from_env().require("lake_workgroup")
    assert wiring.KPI_QUERY_SECONDS < 29
