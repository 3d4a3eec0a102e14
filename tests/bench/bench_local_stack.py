"""Figures for the local stack: how long it takes to come up with the project's template deployed,
what a Lambda invocation costs in its worker processes (cold and warm), and how long an S3 put or an
SQS send takes to reach a function. Each beside the least the same work costs without the stack,
measured in the same run: moto's bare server (started, and its own requests), and the same handler
called in process."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from moto.server import ThreadedMotoServer

from devtools.bench import Figure, size
from engage_local.stack import LocalStack, free_port
from engage_local.state import local_clients

RUNTIME_APP = Path(__file__).resolve().parents[1] / "e2e" / "apps" / "runtime" / "template.yaml"
PROBE = RUNTIME_APP.parent / "functions" / "probe" / "app.py"
API_EVENT = (
    Path(__file__).resolve().parents[2] / "events" / "api" / "pinpoint_api" / "get_user_endpoints.json"
)
TRIGGERS_APP = Path(__file__).resolve().parents[1] / "e2e" / "apps" / "triggers" / "template.yaml"
ROUND_TRIPS = size(20, 3)
WARM_CALLS = size(50, 5)
BARE_CREATES = size(50, 5)


@dataclass
class _Bare:
    """What moto alone does, timed on its own server: its start (answering a reset, as the stack's
    first request is), one create request (seconds, the median), and its own put_object and
    send_message calls (seconds each)."""

    start: float
    create: float
    puts: list[float]
    sends: list[float]


def _bare_moto() -> _Bare:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    began = time.perf_counter()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    requests.post(f"{url}/moto-api/reset", timeout=30).raise_for_status()
    start = time.perf_counter() - began
    try:
        clients = local_clients(url, "us-east-1")
        sqs, s3 = clients.client("sqs"), clients.client("s3")
        creates = _timed(lambda i: sqs.create_queue(QueueName=f"bare-{i}"), BARE_CREATES)
        s3.create_bucket(Bucket="bench-bare")
        puts = _timed(
            lambda i: s3.put_object(Bucket="bench-bare", Key=f"bench/{i}.csv", Body=b"x"), ROUND_TRIPS
        )
        queue = sqs.create_queue(QueueName="bench-bare-work")["QueueUrl"]
        sends = _timed(
            lambda i: sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"id": f"bench-{i}"})),
            ROUND_TRIPS,
        )
    finally:
        server.stop()
    return _Bare(start, statistics.median(creates), puts, sends)


def _timed(call: Callable[[int], Any], times: int) -> list[float]:
    timings = []
    for i in range(times):
        started = time.perf_counter()
        call(i)
        timings.append(time.perf_counter() - started)
    return timings


class _Context:
    function_name, memory_limit_in_mb, aws_request_id = "alpha", 128, "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:alpha"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _in_process() -> tuple[float, list[float]]:
    """The probe handler called in this process (its print to /dev/null): the module's load and first
    call (ms), then WARM_CALLS calls (ms each), with the same payload as the invocations'."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        started = time.perf_counter()
        spec = importlib.util.spec_from_file_location("bench_probe_app", PROBE)
        app = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(app)  # type: ignore[union-attr]
        app.handler({"label": "bench"}, _Context())
        cold = (time.perf_counter() - started) * 1000
        warm = [t * 1000 for t in _timed(lambda _i: app.handler({"label": "bench"}, _Context()), WARM_CALLS)]
    return cold, warm


def _cold_starts(stack: LocalStack, root: Any) -> tuple[float, float]:
    """A project function's cold invocation (ms) forked from its warm parent, and in a fresh
    interpreter: the Pinpoint API's handler (Powertools, boto3 and the engage layer, as every
    handler), with its GetUserEndpoints sample event. Each is a new revision's first invocation;
    the first of all starts the parent. A variable that a preloaded library reads while it is
    imported (engage_local.forking.IMPORT_TIME_VARIABLES) gives the last its own process."""
    client = stack.client("lambda")
    name = next(
        r["physical_id"]
        for r in root.children["PinpointApi"].resources
        if r["logical_id"] == "PinpointApiFunction"
    )
    event = API_EVENT.read_bytes()
    client.invoke(FunctionName=name, Payload=event)
    timings = []
    for variables in ({"BENCH_REVISION": "forked"}, {"BOTO_DISABLE_CRT": "true"}):
        found = (client.get_function_configuration(FunctionName=name).get("Environment") or {}).get(
            "Variables", {}
        )
        client.update_function_configuration(
            FunctionName=name, Environment={"Variables": {**found, **variables}}
        )
        started = time.perf_counter()
        client.invoke(FunctionName=name, Payload=event)
        timings.append((time.perf_counter() - started) * 1000)
    return timings[0], timings[1]


def _round_trip(
    stack: LocalStack, ids: dict[str, str], source: str, trigger: Callable[[int], None]
) -> list[float]:
    """Seconds from a trigger to the recorder function having written what it received."""
    table, timings = stack.client("dynamodb"), []
    for i in range(ROUND_TRIPS):
        before = _count(table, ids["Observations"], source)
        started = time.perf_counter()
        trigger(i)
        while _count(table, ids["Observations"], source) == before:
            time.sleep(0.002)
        timings.append(time.perf_counter() - started)
    return timings


def _count(table: Any, name: str, source: str) -> int:
    return table.scan(
        TableName=name,
        Select="COUNT",
        FilterExpression="#s = :s",
        ExpressionAttributeNames={"#s": "source"},
        ExpressionAttributeValues={":s": {"S": source}},
    )["Count"]


def _p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1]


def bench_local_stack() -> list[Figure]:
    # moto's bare server first, stopped before the stack starts (the stack resets moto's state).
    bare = _bare_moto()
    bare_cold, bare_warm = _in_process()
    began = time.perf_counter()
    stack = LocalStack(state_dir=Path(tempfile.mkdtemp(prefix="engage-bench-"))).start()
    try:
        started = time.perf_counter()
        root = stack.deploy()
        resources = root.all_resources()
        deployed = time.perf_counter()
        report = stack.deploy(RUNTIME_APP, "runtime-test")
        name = next(r["physical_id"] for r in report.resources if r["logical_id"] == "AlphaFunction")
        client = stack.client("lambda")

        def call() -> float:
            t = time.perf_counter()
            client.invoke(FunctionName=name, Payload=json.dumps({"label": "bench"}).encode())
            return (time.perf_counter() - t) * 1000

        cold = call()
        warm = [call() for _ in range(WARM_CALLS)]
        forked_cold, fresh_cold = _cold_starts(stack, root)
        triggers = stack.deploy(TRIGGERS_APP, "triggers")
        ids = {r["logical_id"]: r["physical_id"] for r in triggers.resources}
        s3, sqs = stack.client("s3"), stack.client("sqs")
        s3_trips = _round_trip(
            stack,
            ids,
            "s3",
            lambda i: s3.put_object(Bucket=ids["DropBucket"], Key=f"bench/{i}.csv", Body=b"x"),
        )
        sqs_trips = _round_trip(
            stack,
            ids,
            "sqs",
            lambda i: sqs.send_message(
                QueueUrl=ids["WorkQueue"], MessageBody=json.dumps({"id": f"bench-{i}"})
            ),
        )
    finally:
        stack.stop()
    bare_deploy = resources * bare.create
    creates = f"one bare moto create request (SQS CreateQueue, median) per resource deployed ({resources})"
    in_process = "the same handler called in this process with the same payload"
    return [
        Figure(
            "local_stack.emulator_start",
            started - began,
            "s",
            bare.start,
            "moto's bare threaded server started and answering its reset, as the stack's is",
        ),
        Figure("local_stack.deploy_template", deployed - started, "s", bare_deploy, creates),
        Figure(
            "local_stack.startup",
            deployed - began,
            "s",
            bare.start + bare_deploy,
            f"moto's bare server start, then {creates}",
        ),
        Figure(
            "local_stack.invoke_cold",
            cold,
            "ms",
            bare_cold,
            "the same handler's module loaded and called once in this process, same payload",
        ),
        Figure(
            "local_stack.invoke_cold_forked",
            forked_cold,
            "ms",
            fresh_cold,
            "the same function's cold invocation in a fresh interpreter (the Pinpoint API's handler)",
        ),
        Figure(
            "local_stack.invoke_warm_p50",
            statistics.median(warm),
            "ms",
            statistics.median(bare_warm),
            in_process,
        ),
        Figure("local_stack.invoke_warm_p95", _p95(warm), "ms", _p95(bare_warm), in_process),
        Figure(
            "local_stack.s3_put_to_handler_p50",
            statistics.median(s3_trips) * 1000,
            "ms",
            statistics.median(bare.puts) * 1000,
            "moto's own put_object of the same object on its bare server (p50), no delivery",
        ),
        Figure(
            "local_stack.s3_put_to_handler_max",
            max(s3_trips) * 1000,
            "ms",
            max(bare.puts) * 1000,
            "moto's own put_object of the same object on its bare server (max), no delivery",
        ),
        Figure(
            "local_stack.sqs_send_to_handler_p50",
            statistics.median(sqs_trips) * 1000,
            "ms",
            statistics.median(bare.sends) * 1000,
            "moto's own send_message of the same body on its bare server (p50), no delivery",
        ),
    ]
