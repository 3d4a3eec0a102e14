"""Figures for the local stack: how long it takes to come up with the project's template deployed,
and what a Lambda invocation costs in its worker processes (cold and warm)."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devtools.bench import Figure, size
from engage_local.stack import LocalStack

RUNTIME_APP = Path(__file__).resolve().parents[1] / "e2e" / "apps" / "runtime" / "template.yaml"
TRIGGERS_APP = Path(__file__).resolve().parents[1] / "e2e" / "apps" / "triggers" / "template.yaml"
ROUND_TRIPS = size(20, 3)


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


def bench_local_stack() -> list[Figure]:
    began = time.perf_counter()
    stack = LocalStack(state_dir=Path(tempfile.mkdtemp(prefix="engage-bench-"))).start()
    try:
        started = time.perf_counter()
        stack.deploy()
        deployed = time.perf_counter()
        report = stack.deploy(RUNTIME_APP, "runtime-test")
        name = next(r["physical_id"] for r in report.resources if r["logical_id"] == "AlphaFunction")
        client = stack.client("lambda")

        def call() -> float:
            t = time.perf_counter()
            client.invoke(FunctionName=name, Payload=json.dumps({"label": "bench"}).encode())
            return (time.perf_counter() - t) * 1000

        cold = call()
        warm = [call() for _ in range(size(50, 5))]
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
    return [
        Figure("local_stack.emulator_start", started - began, "s"),
        Figure("local_stack.deploy_template", deployed - started, "s"),
        Figure("local_stack.startup", deployed - began, "s"),
        Figure("local_stack.invoke_cold", cold, "ms"),
        Figure("local_stack.invoke_warm_p50", statistics.median(warm), "ms"),
        Figure("local_stack.invoke_warm_p95", statistics.quantiles(warm, n=20)[-1], "ms"),
        Figure("local_stack.s3_put_to_handler_p50", statistics.median(s3_trips) * 1000, "ms"),
        Figure("local_stack.s3_put_to_handler_max", max(s3_trips) * 1000, "ms"),
        Figure("local_stack.sqs_send_to_handler_p50", statistics.median(sqs_trips) * 1000, "ms"),
    ]
