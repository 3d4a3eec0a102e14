"""The local stack's Athena over the lake (engage_local.emulators.athena), without the stack: which
statements it runs, how it binds execution parameters, how it writes values and pages results, which
of the lake's tables a query reads."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from engage_local.emulators.athena import (
    QUERY_START,
    AthenaState,
    Execution,
    QueryError,
    _output,
    as_text,
    athena_emulator,
    bind,
)
from engage_local.emulators.framework import ApiError, Clock, Request, current_request, serving


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "  with x AS (SELECT 1) SELECT * FROM x",
        "-- a note\nSELECT 1",
        "/* a */ (SELECT 1)",
        "VALUES 1",
    ],
)
def test_queries_are_run_here(sql):
    assert QUERY_START.match(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE OR REPLACE VIEW v AS SELECT 1",
        "DROP VIEW IF EXISTS v",
        "MSCK REPAIR TABLE t",
        "-- SELECT\nSHOW TABLES",
    ],
)
def test_ddl_is_left_to_moto(sql):
    assert not QUERY_START.match(sql)


def test_parameters_fill_the_placeholders_in_order_and_never_those_in_strings():
    sql = "SELECT '?' AS q FROM events WHERE a = ? AND b = ? -- ?"
    assert bind(sql, ["'x'", "12"]) == "SELECT '?' AS q FROM events WHERE a = 'x' AND b = 12 -- ?"
    assert (
        bind("SELECT ?", ["TIMESTAMP '2026-11-20 10:00:00.000'"])
        == "SELECT TIMESTAMP '2026-11-20 10:00:00.000'"
    )
    assert bind("SELECT ?, ?, ?", ["-1.5", "true", "NULL"]) == "SELECT -1.5, true, NULL"


@pytest.mark.parametrize("value", ["'a' OR 1=1", "(SELECT 1)", "x", "'a'; DROP TABLE t", "1 + 1"])
def test_a_parameter_that_is_not_one_literal_fails_the_query(value):
    with pytest.raises(QueryError, match="INVALID_PARAMETER_USAGE"):
        bind("SELECT ?", [value])


def test_as_many_parameters_as_placeholders():
    with pytest.raises(QueryError, match="has 2 parameter"):
        bind("SELECT ?, ?", ["1"])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        (True, "true"),
        (3, "3"),
        (0.25, "0.25"),
        (1.0, "1.0"),
        (12345678.0, "1.2345678E7"),
        (0.0001, "1.0E-4"),
        (Decimal("1.50"), "1.50"),
        (datetime(2026, 11, 20, 10, 0, 1, 250000, tzinfo=UTC), "2026-11-20 10:00:01.250 UTC"),
        (datetime(2026, 11, 20, 10, 0), "2026-11-20 10:00:00.000"),
        (date(2026, 11, 20), "2026-11-20"),
        ([1, None], "[1, null]"),
        ({"k": "v"}, "{k=v}"),
    ],
)
def test_values_are_written_as_athena_writes_them(value, text):
    assert as_text(value) == text


def state(tmp_path):
    return AthenaState("us-east-1", clients=None, clock=Clock(), work_dir=tmp_path)  # type: ignore[arg-type]


def finished(athena, rows=3):
    execution = Execution(
        id="q-1",
        sql="SELECT 1",
        database="lake",
        workgroup="wg",
        parameters=[],
        role=None,
        requested_output=None,
        submitted=datetime(2026, 11, 20, tzinfo=UTC),
        state="SUCCEEDED",
        columns=[("n", "integer"), ("s", "varchar")],
        rows=[[str(i), None if i % 2 else "x"] for i in range(rows)],
    )
    athena.executions[execution.id] = execution
    return execution


def test_results_come_with_their_columns_first_in_pages_of_max_results(tmp_path):
    athena = state(tmp_path)
    finished(athena, rows=3)
    first = athena.get_query_results({"QueryExecutionId": "q-1", "MaxResults": 2})
    assert first["ResultSet"]["Rows"] == [
        {"Data": [{"VarCharValue": "n"}, {"VarCharValue": "s"}]},
        {"Data": [{"VarCharValue": "0"}, {"VarCharValue": "x"}]},
    ]
    assert [c["Name"] for c in first["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]] == ["n", "s"]
    assert first["ResultSet"]["ResultSetMetadata"]["ColumnInfo"][0]["Type"] == "integer"
    second = athena.get_query_results(
        {"QueryExecutionId": "q-1", "MaxResults": 2, "NextToken": first["NextToken"]}
    )
    assert second["ResultSet"]["Rows"] == [
        {"Data": [{"VarCharValue": "1"}, {}]},  # NULL: no VarCharValue
        {"Data": [{"VarCharValue": "2"}, {"VarCharValue": "x"}]},
    ]
    assert "NextToken" not in second


def test_results_of_a_query_not_done_or_another_querys_token_are_refused(tmp_path):
    athena = state(tmp_path)
    execution = finished(athena)
    with pytest.raises(ApiError, match="NextToken"):
        athena.get_query_results(
            {"QueryExecutionId": "q-1", "NextToken": base64.b64encode(b"q-2:1").decode()}
        )
    execution.state = "RUNNING"
    with pytest.raises(ApiError, match=r"not yet finished\. Current state: RUNNING"):
        athena.get_query_results({"QueryExecutionId": "q-1"})
    execution.state, execution.reason = "FAILED", "TABLE_NOT_FOUND: nope"
    with pytest.raises(ApiError, match="TABLE_NOT_FOUND"):
        athena.get_query_results({"QueryExecutionId": "q-1"})


def test_a_failed_query_is_described_with_its_reason(tmp_path):
    athena = state(tmp_path)
    execution = finished(athena)
    execution.state, execution.reason = "FAILED", "SCHEMA_NOT_FOUND: Schema 'x' does not exist"
    execution.completed = datetime(2026, 11, 20, 0, 0, 2, tzinfo=UTC)
    answer = {
        "QueryExecution": {"QueryExecutionId": "q-1", "Query": "SELECT 1", "Status": {"State": "SUCCEEDED"}}
    }
    described = athena.query_described({"QueryExecutionId": "q-1"}, answer)["QueryExecution"]
    assert described["Status"]["State"] == "FAILED"
    assert described["Status"]["StateChangeReason"].startswith("SCHEMA_NOT_FOUND")
    assert described["Statistics"]["TotalExecutionTimeInMillis"] == 2000
    assert athena.query_described({"QueryExecutionId": "other"}, answer) is None  # moto's own
    emulator = athena_emulator(athena)
    operation = emulator.model.operation_model("GetQueryExecution")
    emulator.serialise(operation, {"QueryExecution": described})  # botocore's shape holds


def test_a_query_reads_the_tables_it_names_and_those_under_the_views_it_names(tmp_path):
    athena = state(tmp_path)
    assert athena._base_tables("lake", {"events"}) == {"events"}
    assert athena._base_tables("lake", {"email_open"}) == {"events", "names"}
    assert athena._base_tables("lake", {"sms_status"}) == {"sms_events"}
    with pytest.raises(
        QueryError, match=r"TABLE_NOT_FOUND: Table 'awsdatacatalog\.lake\.nope' does not exist"
    ):
        athena._base_tables("lake", {"nope"})


def test_the_result_goes_to_the_workgroups_location_unless_the_workgroup_lets_the_request_choose():
    execution = Execution("q-1", "SELECT 1", "lake", "wg", [], None, "s3://mine/out", datetime.now(UTC))
    enforced = {"EnforceWorkGroupConfiguration": True, "ResultConfiguration": {"OutputLocation": "s3://b/r/"}}
    assert _output(execution, enforced) == "s3://b/r/q-1.csv"
    assert _output(execution, {**enforced, "EnforceWorkGroupConfiguration": False}) == "s3://mine/out/q-1.csv"
    execution.requested_output = None
    with pytest.raises(QueryError, match="No output location provided"):
        _output(execution, {})


def test_the_request_being_answered_is_known_to_its_thread():
    request = Request(
        "POST",
        "/",
        "",
        {"authorization": "AWS4-HMAC-SHA256 Credential=ASIAKEY/20261120/us-east-1/athena/aws4_request"},
        b"",
    )
    serving(request)
    try:
        assert current_request() is request and request.access_key == "ASIAKEY"
    finally:
        serving(None)
