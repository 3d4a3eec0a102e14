"""The lake's AWS side: the Glue tables and views written into the events template from sql/, the
views custom resource's plan, the Athena adapter (botocore's Stubber checks every request against
the real model) and the custom-resource response."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import boto3
import pytest
import yaml
from botocore.stub import Stubber
from engage.adapters.athena.queries import AthenaQueries, QueryFailedError
from engage.adapters.cloudformation.response import respond
from engage.errors import ValidationError
from engage.lake.views import statements

from devtools import sqlgen
from engage_cli.lake.source import tables, views
from tests.support.athena import Clock, athena


class CfnLoader(yaml.SafeLoader):
    pass


CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: f"!{suffix}")


def events_template():
    return yaml.load(sqlgen.TEMPLATE.read_text(), Loader=CfnLoader)


def test_the_template_is_what_the_sql_says():
    assert sqlgen.main(["--check"]) == 0


def test_each_glue_table_has_the_schemas_columns_and_partition_projection():
    resources = events_template()["Resources"]
    for table in tables():
        props = resources[sqlgen.resource_name(table)]["Properties"]["TableInput"]
        columns = props["StorageDescriptor"]["Columns"]
        assert [c["Name"] for c in columns] == [c.name for c in table.columns]
        assert [c["Type"] for c in columns] == [c.glue_type for c in table.columns]
        if table.partitions:
            assert props["Parameters"]["projection.enabled"] == "true"
            assert [k["Name"] for k in props["PartitionKeys"]] == ["year", "month", "day", "hour"]
            assert props["Parameters"]["projection.month.digits"] == "2"
    events = resources["EventsTable"]["Properties"]["TableInput"]["StorageDescriptor"]["Columns"]
    metrics = next(c for c in events if c["Name"] == "metrics")
    assert metrics["Type"] == "map<string,double>"  # every custom metric kept


def test_the_views_resource_lists_every_view_after_the_views_it_reads():
    listed = events_template()["Resources"]["LakeViews"]["Properties"]["Views"]
    order = [v["Name"] for v in listed]
    assert order == [v.name for v in views()]
    for view in views():
        for read in view.reads:
            if read in order:
                assert order.index(read) < order.index(view.name)


VIEWS = [{"Name": "a", "Sql": "SELECT 1 AS x"}, {"Name": "b", "Sql": "SELECT * FROM a;"}]


def test_create_replaces_every_view_in_order():
    assert statements("Create", VIEWS) == [
        'CREATE OR REPLACE VIEW "a" AS\nSELECT 1 AS x',
        'CREATE OR REPLACE VIEW "b" AS\nSELECT * FROM a',
    ]


def test_update_drops_the_views_that_are_gone_then_replaces_the_rest():
    old = [*VIEWS, {"Name": "c", "Sql": "SELECT 2"}, {"Name": "d", "Sql": "SELECT 3"}]
    planned = statements("Update", VIEWS, old)
    assert planned[:2] == ['DROP VIEW IF EXISTS "d"', 'DROP VIEW IF EXISTS "c"']
    assert len(planned) == 4


def test_delete_drops_every_view_newest_first():
    assert statements("Delete", VIEWS) == ['DROP VIEW IF EXISTS "b"', 'DROP VIEW IF EXISTS "a"']


@pytest.mark.parametrize(
    "bad",
    [
        [{"Name": 'x"; DROP TABLE events; --', "Sql": "SELECT 1"}],
        [{"Name": "Upper", "Sql": "SELECT 1"}],
        [{"Name": "x", "Sql": " "}],
        [{"Name": "x", "Sql": "SELECT 1"}, {"Name": "x", "Sql": "SELECT 2"}],
    ],
)
def test_bad_views_are_refused_before_anything_runs(bad):
    with pytest.raises(ValidationError):
        statements("Create", bad)


START = {"QueryString": "SELECT 1", "WorkGroup": "wg", "QueryExecutionContext": {"Database": "lake"}}


def execution(state, reason=None):
    status = {"State": state}
    if reason:
        status["StateChangeReason"] = reason
    return {"QueryExecution": {"QueryExecutionId": "q-1", "Status": status}}


def test_a_query_is_polled_with_growing_pauses_until_it_succeeds():
    client, stub = athena()
    clock = Clock()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"}, START)
    for state in ("QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"):
        stub.add_response("get_query_execution", execution(state), {"QueryExecutionId": "q-1"})
    with stub:
        queries = AthenaQueries(client, "wg", "lake", sleep=clock.sleep, clock=clock)
        assert queries.run("SELECT 1") == "q-1"
    assert clock.now == pytest.approx(0.05 + 0.1 + 0.2)


def test_a_failed_query_raises_athenas_reason():
    client, stub = athena()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"}, START)
    stub.add_response(
        "get_query_execution",
        execution("FAILED", "line 1:8: Column 'nope' cannot be resolved"),
        {"QueryExecutionId": "q-1"},
    )
    with stub, pytest.raises(QueryFailedError, match="cannot be resolved"):
        AthenaQueries(client, "wg", "lake", sleep=lambda _s: None).run("SELECT 1")


def test_a_query_that_outlives_the_bound_is_stopped_and_reported():
    client, stub = athena()
    clock = Clock()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"}, START)
    for _ in range(6):  # at 0, 0.05, 0.15, 0.35, 0.75, 1.55 s: the next, at 3.15 s, is past the bound
        stub.add_response("get_query_execution", execution("RUNNING"), {"QueryExecutionId": "q-1"})
    stub.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-1"})
    with stub, pytest.raises(QueryFailedError, match="stopped"):
        AthenaQueries(client, "wg", "lake", max_wait_seconds=3, sleep=clock.sleep, clock=clock).run(
            "SELECT 1"
        )
    stub.assert_no_pending_responses()


def test_rows_skip_the_header_row_and_read_every_page():
    client, stub = athena()
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"}, START)
    stub.add_response("get_query_execution", execution("SUCCEEDED"), {"QueryExecutionId": "q-1"})
    meta = {"ColumnInfo": [{"Name": "x", "Type": "integer"}]}
    stub.add_response(
        "get_query_results",
        {
            "ResultSet": {"Rows": [{"Data": [{"VarCharValue": "x"}]}, {"Data": [{"VarCharValue": "1"}]}],
                          "ResultSetMetadata": meta},
            "NextToken": "t",
        },
        {"QueryExecutionId": "q-1"},
    )  # fmt: skip
    stub.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": [{"Data": [{}]}], "ResultSetMetadata": meta}},
        {"QueryExecutionId": "q-1", "NextToken": "t"},
    )
    with stub:
        columns, rows = AthenaQueries(client, "wg", "lake", sleep=lambda _s: None).rows("SELECT 1")
        assert columns == ["x"] and list(rows) == [["1"], [None]]


class Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_PUT(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.received.append((self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def response_url():
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    Recorder.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}/cfn?signed=1"  # host:port/path, as moto hands it out
    server.shutdown()


def test_the_response_reaches_cloudformation_with_the_requests_ids(response_url):
    event = {"ResponseURL": response_url, "StackId": "s", "RequestId": "r", "LogicalResourceId": "LakeViews"}
    respond(event, "FAILED", "lake/views", reason="query q-1 failed: boom")
    ((path, body),) = Recorder.received
    assert path == "/cfn?signed=1"
    assert body["Status"] == "FAILED" and body["Reason"] == "query q-1 failed: boom"
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == ("s", "r", "LakeViews")
    assert body["PhysicalResourceId"] == "lake/views"


def test_engage_events_query_on_aws_reads_the_stacks_workgroup_and_database():
    from engage_cli.events import athena_rows

    cloudformation = boto3.client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    client, stub = athena()
    cfn_stub = Stubber(cloudformation)
    outputs = [{"OutputKey": "EventsWorkGroupName", "OutputValue": "wg"},
               {"OutputKey": "EventsDatabaseName", "OutputValue": "lake"}]  # fmt: skip
    cfn_stub.add_response(
        "describe_stacks",
        {"Stacks": [{"StackName": "engage", "CreationTime": "2026-11-01T00:00:00Z",
                     "StackStatus": "CREATE_COMPLETE", "Outputs": outputs}]},
        {"StackName": "engage"},
    )  # fmt: skip
    stub.add_response("start_query_execution", {"QueryExecutionId": "q-1"}, START)
    stub.add_response("get_query_execution", execution("SUCCEEDED"), {"QueryExecutionId": "q-1"})
    meta = {"ColumnInfo": [{"Name": "n", "Type": "bigint"}]}
    stub.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": [{"Data": [{"VarCharValue": "n"}]}, {"Data": [{"VarCharValue": "7"}]}],
                       "ResultSetMetadata": meta}},
        {"QueryExecutionId": "q-1"},
    )  # fmt: skip
    with stub, cfn_stub:
        result = athena_rows(cloudformation, client, "engage", "SELECT 1")
    assert result.records() == [{"n": "7"}]
