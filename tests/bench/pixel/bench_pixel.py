"""Figures for the GTM pixel: the handler's latency in process (p50, p99; the SQS send replaced by
an in-memory one), requests per second through the local stack's HTTP API (as `sam local
start-api` serves it; a handful of client threads, GIFs counted), and the cold-start import time of
the handler module against a bare `import boto3` (the median of fresh interpreters)."""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from devtools.bench import Figure, size
from engage_local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[3]
HANDLER = ROOT / "functions" / "pixel" / "pixel" / "app.py"
ENV = {
    "PIXEL_APPLICATION_ID": "bench-shop",
    "PIXEL_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/pixel",
    "PIXEL_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:pixel",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_METRICS_NAMESPACE": "Engage",
    "POWERTOOLS_SERVICE_NAME": "pixel",
}
CALLS, THREADS, HTTP_SECONDS, IMPORT_RUNS = size(2000, 50), 4, size(10, 1), size(7, 2)


class _Queue:
    def __init__(self) -> None:
        self.sent = 0

    def send_message(self, **_: Any) -> dict[str, str]:
        self.sent += 1
        return {"MessageId": str(self.sent)}


class _Clients:
    def __init__(self) -> None:
        self.sqs = _Queue()

    def client(self, name: str, **_: Any) -> Any:
        return self.sqs


def _event(n: int) -> dict[str, Any]:
    query = {"event": ["purchase_success"], "endpoint_id": [f"ep-{n % 100}"], "evat_order_id": [f"o-{n}"]}
    return {
        "resource": "/events",
        "path": "/events",
        "httpMethod": "GET",
        "headers": {"Accept": "image/*"},
        "multiValueHeaders": {"Accept": ["image/*"]},
        "queryStringParameters": {k: v[-1] for k, v in query.items()},
        "multiValueQueryStringParameters": query,
        "requestContext": {
            "requestId": f"bench-{n}",
            "resourcePath": "/events",
            "httpMethod": "GET",
            "stage": "pixel",
        },
        "body": None,
        "isBase64Encoded": False,
    }


class _Context:
    function_name, memory_limit_in_mb, aws_request_id = "pixel", 512, "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:pixel"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _empty_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The baseline: a handler that answers the pixel's GIF and does nothing else."""
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/gif"},
        "body": "R0lGODlh",
        "isBase64Encoded": True,
    }


def _latency(handler: Any) -> tuple[float, float]:
    timings = []
    for n in range(CALLS):
        started = time.perf_counter()
        answer = handler(_event(n), _Context())
        timings.append((time.perf_counter() - started) * 1000)
        assert answer["statusCode"] == 200
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[98]


def _in_process() -> tuple[float, float]:
    os.environ.update(ENV)
    spec = importlib.util.spec_from_file_location("bench_pixel_app", HANDLER)
    app = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(app)  # type: ignore[union-attr]
    from engage.pixel import wiring

    clients = wiring.clients = _Clients()  # the wiring builds the handler's use case on the in-memory SQS
    wiring.settings.cache_clear()
    wiring.pixel.cache_clear()
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    app.logger.setLevel(logging.WARNING)
    devnull = open(os.devnull, "w")  # noqa: SIM115 - the metrics' EMF lines, for the whole run
    stdout, sys.stdout = sys.stdout, devnull
    try:
        found = _latency(app.handler)
    finally:
        sys.stdout = stdout
        devnull.close()
    assert clients.sqs.sent == CALLS
    return found


def _import_ms(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1000)"
    env = {
        **os.environ,
        **ENV,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "engage"), str(HANDLER.parent)]),
    }
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
            ).stdout
        )
        for _ in range(IMPORT_RUNS)
    ]
    return statistics.median(runs)


def _rate(url: str, params: dict[str, str] | None, counted: Any) -> float:
    """Answers per second from THREADS clients for HTTP_SECONDS, counting those `counted` accepts."""
    counts = [0] * THREADS
    deadline = time.perf_counter() + HTTP_SECONDS

    def hammer(slot: int) -> None:
        with requests.Session() as session:
            while time.perf_counter() < deadline:
                answer = session.get(url, params={**(params or {}), "endpoint_id": f"ep-{slot}"}, timeout=30)
                counts[slot] += counted(answer)

    threads = [threading.Thread(target=hammer, args=(slot,)) for slot in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def _through_http() -> tuple[float, float]:
    """The pixel's GIFs per second through the local HTTP API, and beside it the API's own answers
    per second to a path no route serves (no function runs): the local server's ceiling."""
    from tests.e2e.conftest import PIXEL_APP
    from tests.support.apps import create_app, local_pinpoint

    stack = LocalStack(state_dir=Path(tempfile.mkdtemp(prefix="engage-bench-pixel-"))).start()
    try:
        stack.deploy(parameters={"PixelApplicationId": PIXEL_APP})
        create_app(local_pinpoint(stack), "shop", PIXEL_APP)
        url = f"{stack.api.url}/events"
        requests.get(url, params={"event": "warm", "endpoint_id": "ep"}, timeout=30)  # the cold start
        gifs = _rate(url, {"event": "view"}, lambda answer: answer.content.startswith(b"GIF89a"))
        unrouted = _rate(f"{stack.api.url}/no-such-route", None, lambda answer: answer.status_code >= 400)
        return gifs, unrouted
    finally:
        stack.stop()


def bench_pixel() -> list[Figure]:
    boto3_ms = _import_ms("import boto3")
    handler_ms = _import_ms("import app")
    p50, p99 = _in_process()
    empty_p50, empty_p99 = _latency(_empty_handler)
    gifs, unrouted = _through_http()
    empty = "an empty handler answering the same GIF, timed the same way"
    return [
        Figure("pixel.handler_latency_p50_in_process", p50, "ms", empty_p50, empty),
        Figure("pixel.handler_latency_p99_in_process", p99, "ms", empty_p99, empty),
        Figure("pixel.import_time_handler_module", handler_ms, "ms", boto3_ms, "a bare `import boto3`"),
        Figure(
            "pixel.requests_per_second_local_http_api",
            gifs,
            "requests/s",
            unrouted,
            "the local API's own answers to a path no route serves (no function runs)",
        ),
    ]
