"""Figures for the local stack: how long it takes to come up with the project's template deployed,
and what a Lambda invocation costs in its worker processes (cold and warm)."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from devtools.bench import Figure
from engage_local.stack import LocalStack

RUNTIME_APP = Path(__file__).resolve().parents[1] / "e2e" / "apps" / "runtime" / "template.yaml"


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
        warm = [call() for _ in range(50)]
    finally:
        stack.stop()
    return [
        Figure("local_stack.emulator_start", started - began, "s"),
        Figure("local_stack.deploy_template", deployed - started, "s"),
        Figure("local_stack.startup", deployed - began, "s"),
        Figure("local_stack.invoke_cold", cold, "ms"),
        Figure("local_stack.invoke_warm_p50", statistics.median(warm), "ms"),
        Figure("local_stack.invoke_warm_p95", statistics.quantiles(warm, n=20)[-1], "ms"),
    ]
