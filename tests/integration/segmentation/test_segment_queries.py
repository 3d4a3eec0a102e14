"""Federated segmentation's parts below the workflow: a query result imported as member names or
attribute updates of existing endpoints (DynamoDB on moto), the local DuckDB engine reading the
allow-listed tables from S3 (moto) and nothing else, and the Athena adapter's calls (Stubber)."""

from __future__ import annotations

import gzip
import json

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.athena.queries import AthenaQueries
from engage.adapters.s3.objects import ObjectStore
from engage.audience.imports.job import import_chunk
from engage.audience.imports.reader import ImportRecord
from engage.errors import NotFoundError
from engage.segmentation.queries import allowed_tables, check_query
from engage.segmentation.query_runs import CheckedQuery
from engage_duckdb.queries import DuckDbQueries

APP = "fed01"


def records(*rows):
    return [ImportRecord(n, i, r) for n, (i, r) in enumerate(rows, start=2)]


def test_mutate_rows_merge_into_existing_endpoints_and_never_create_one(store):
    store.upsert(
        APP, "c1", {"ChannelType": "SMS", "Address": "+12065550101", "Attributes": {"Plan": ["basic"]}}
    )
    result = import_chunk(
        APP,
        records(("c1", {"Attributes": {"Tier": ["gold"]}}), ("ghost", {"Attributes": {"Tier": ["gold"]}})),
        store,
        "update",
    )
    assert (result.processed, result.accepted, result.rejected) == (2, 1, 1)
    assert result.failures == ["line 3: endpoint 'ghost' does not exist in application fed01"]
    endpoint = store.get(APP, "c1")
    assert (
        endpoint["Attributes"] == {"Plan": ["basic"], "Tier": ["gold"]}
        and endpoint["Address"] == "+12065550101"
    )
    with pytest.raises(NotFoundError):
        store.get(APP, "ghost")


def test_member_rows_name_existing_endpoints_and_change_nothing(store):
    store.upsert(APP, "c1", {"ChannelType": "SMS", "Address": "+12065550101"})
    before = store.get(APP, "c1")
    result = import_chunk(APP, records(("c1", {}), ("c9", {})), store, "members")
    assert result.accepted_ids == ["c1"] and result.failures == [
        "line 3: endpoint 'c9' does not exist in application fed01"
    ]
    assert store.get(APP, "c1") == before


@pytest.fixture
def lake(aws):
    s3 = aws.client("s3")
    for bucket in ("crm-data", "work"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(
        Bucket="crm-data",
        Key="tables/customers/part-0.csv",
        Body=b"customer_id,tier,active\nc1,gold,true\nc2,silver,false\nc3,gold,\n",
    )
    s3.put_object(Bucket="crm-data", Key="tables/customers/_SUCCESS", Body=b"")
    orders = "\n".join(
        json.dumps(o) for o in ({"customer_id": "c1", "total": 150}, {"customer_id": "c3", "total": 20})
    )
    s3.put_object(
        Bucket="crm-data", Key="tables/orders/2026/part-0.json.gz", Body=gzip.compress(orders.encode())
    )
    s3.put_object(
        Bucket="crm-data", Key="tables/payments/part-0.csv", Body=b"customer_id,card\nc1,4111111111111111\n"
    )
    engine = DuckDbQueries(ObjectStore(s3), "crm-data", "tables/", "crm", "work", "segment-queries/results/")
    return s3, engine


def result_rows(s3, status):
    bucket, key = status.result.removeprefix("s3://").split("/", 1)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()


def test_duckdb_runs_a_checked_query_over_the_allow_listed_tables_and_writes_athena_like_csv(lake):
    s3, engine = lake
    checked = check_query(
        'SELECT c.customer_id AS Id, c.active AS "Attributes.Active", sum(o.total) AS "Metrics.Spend" '
        "FROM customers c LEFT JOIN orders o ON o.customer_id = c.customer_id GROUP BY 1, 2 ORDER BY 1",
        "crm",
        allowed_tables("customers,orders"),
        "mutate",
    )
    status = engine.start_query(checked, "t" * 64)
    assert status.state == "SUCCEEDED", status.reason
    assert result_rows(s3, status) == [
        "Id,Attributes.Active,Metrics.Spend",
        "c1,true,150",
        "c2,false,",
        "c3,,20",
    ]
    assert engine.status("t" * 64).result == status.result
    assert engine.status("u" * 64).state == "FAILED"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/hostname')",
        "SELECT content FROM read_text('/etc/hostname')",
        "COPY (SELECT 1) TO '/tmp/leak.csv'",
        "ATTACH '/tmp/other.db' AS other",
        "SET enable_external_access = true",
        "INSTALL httpfs",
        'SELECT * FROM "crm"."payments"',  # not loaded: only the tables the check allowed are
    ],
)
def test_duckdb_refuses_files_settings_and_tables_it_was_not_given_even_if_the_check_were_bypassed(lake, sql):
    _s3, engine = lake
    unchecked = CheckedQuery(sql, ("Id",), ("customers",))  # as if the check had let it through
    status = engine.start_query(unchecked, "v" * 64)
    assert status.state == "FAILED" and "the query failed" in status.reason, status


def test_duckdb_reports_a_table_without_files_and_a_query_that_fails(lake):
    _s3, engine = lake
    missing = CheckedQuery('SELECT customer_id AS "Id" FROM "crm"."leads"', ("Id",), ("leads",))
    status = engine.start_query(missing, "w" * 64)
    assert (
        status.state == "FAILED"
        and "table leads has no data files under s3://crm-data/tables/leads/" in status.reason
    )
    broken = check_query(
        "SELECT customer_id AS Id FROM customers WHERE CAST(tier AS INTEGER) = 1",
        "crm",
        allowed_tables("customers"),
        "direct",
    )
    status = engine.start_query(broken, "x" * 64)
    assert status.state == "FAILED" and "Conversion Error" in status.reason


def test_athena_starts_once_per_token_in_the_workgroup_and_reports_state_reason_and_result():
    client = boto3.client("athena", region_name="us-east-1")
    queries = AthenaQueries(client, "engage-segments", "crm")
    checked = CheckedQuery('SELECT "customer_id" AS "Id" FROM "crm"."customers"', ("Id",), ("customers",))
    with Stubber(client) as stub:
        stub.add_response(
            "start_query_execution",
            {"QueryExecutionId": "q-1"},
            {
                "QueryString": checked.sql,
                "WorkGroup": "engage-segments",
                "QueryExecutionContext": {"Database": "crm"},
                "ClientRequestToken": "k" * 64,
            },
        )
        stub.add_response("get_query_execution", {"QueryExecution": {"Status": {"State": "RUNNING"}}})
        stub.add_response(
            "get_query_execution",
            {
                "QueryExecution": {
                    "Status": {"State": "SUCCEEDED"},
                    "ResultConfiguration": {"OutputLocation": "s3://work/segment-queries/results/q-1.csv"},
                }
            },
        )
        stub.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-2"})
        stub.add_response(
            "get_query_execution",
            {
                "QueryExecution": {
                    "Status": {"State": "CANCELLED", "StateChangeReason": "Query cancelled by user"}
                }
            },
        )
        assert queries.start_query(checked, "k" * 64).state == "RUNNING"
        done = queries.status("q-1")
        assert (done.state, done.result) == ("SUCCEEDED", "s3://work/segment-queries/results/q-1.csv")
        stopped = queries.stop("q-2")
        assert (stopped.state, stopped.reason) == ("CANCELLED", "Query cancelled by user")
