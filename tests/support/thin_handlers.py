"""What the handler tests share: a handler loaded from functions/<name>/app.py, a use case put in at
a wiring's accessor, a Lambda context, a sample event with its placeholders filled, the metrics a
handler flushed, and in-memory stand-ins for the job store, the object store and CloudFormation's
response URL."""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from engage.errors import NotFoundError

ROOT = Path(__file__).resolve().parents[2]


def handler_folder(name: str) -> Path:
    """functions/<area>/<name>/: function names are unique across the areas."""
    (folder,) = (ROOT / "functions").glob(f"*/{name}")
    return folder


def function_module(name: str) -> Any:
    """functions/<area>/<name>/app.py as a module, loaded afresh (after a fixture replaced a wiring
    accessor)."""
    spec = importlib.util.spec_from_file_location(f"{name}_app_under_test", handler_folder(name) / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.pop(spec.name, None)
    return module


def handler(name: str) -> Any:
    """functions/<area>/<name>/app.py's handler, loaded afresh (after a fixture replaced a wiring
    accessor)."""
    return function_module(name).handler


def use(monkeypatch: pytest.MonkeyPatch, wiring: ModuleType, accessor: str, use_case: Any) -> None:
    """`use_case` in place of what the wiring's `accessor` builds, for this test."""
    monkeypatch.setattr(wiring, accessor, lambda: use_case)


def metric_values(out: str) -> dict[str, float]:
    """The metrics a handler flushed (EMF lines on stdout), by name, summed over its calls."""
    found: dict[str, float] = {}
    for line in out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    value = document[metric["Name"]]
                    found[metric["Name"]] = found.get(metric["Name"], 0) + (
                        sum(value) if isinstance(value, list) else value
                    )
    return found


def sample(path: str, **values: str) -> dict[str, Any]:
    """events/<path> with each placeholder (e.g. RUN_ID) replaced by its value."""
    text = (ROOT / "events" / path).read_text()
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


class Context:
    function_name = "handler-under-test"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:handler-under-test"
    aws_request_id = "req-1"

    def __init__(self, remaining_millis: int = 300_000) -> None:
        self.remaining_millis = remaining_millis

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


class KnownApps:
    """The applications a use case requires (engage.applications' `require`): these ids, no other."""

    def __init__(self, *app_ids: str) -> None:
        self.app_ids = set(app_ids)

    def require(self, app_id: str) -> dict[str, Any]:
        if app_id not in self.app_ids:
            raise NotFoundError(f"Application not found: {app_id}")
        return {"application": {"Id": app_id}}


class MemoryJobs:
    """The job store (engage.adapters.dynamodb.jobs) in memory."""

    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], dict[str, Any]] = {}

    def create(self, job: dict[str, Any]) -> bool:
        key = (job["ApplicationId"], job["Id"])
        if key in self.jobs:
            return False
        self.jobs[key] = copy.deepcopy(job)
        return True

    def get(self, app_id: str, job_id: str) -> dict[str, Any] | None:
        job = self.jobs.get((app_id, job_id))
        return copy.deepcopy(job) if job else None

    def start_processing(self, app_id: str, job_id: str, pieces: int) -> None:
        self.jobs[(app_id, job_id)].update(JobStatus="PROCESSING", TotalPieces=pieces)

    def finish(self, app_id: str, job_id: str, status: str, failures: list[str]) -> dict[str, Any]:
        job = self.jobs[(app_id, job_id)]
        job.update(JobStatus=status, CompletionDate="2026-11-20T10:00:00.000Z", Failures=list(failures))
        return copy.deepcopy(job)


class MemoryObjects:
    """The object store (engage.adapters.s3.objects.ObjectStore) in memory: (bucket, key) -> bytes."""

    def __init__(self, objects: Mapping[tuple[str, str], bytes] | None = None) -> None:
        self.objects = dict(objects or {})
        self.tags: dict[tuple[str, str], dict[str, str]] = {}

    def existing_key(self, bucket: str, key: str, *spellings: str | None) -> str:
        for candidate in (key, *(s for s in spellings if s)):
            if (bucket, candidate) in self.objects:
                return candidate
        return key

    @contextlib.contextmanager
    def open(self, bucket: str, key: str) -> Iterator[io.BytesIO]:
        yield io.BytesIO(self.objects[(bucket, key)])

    def write(self, bucket: str, key: str, body: bytes, content_type: str = "application/x-ndjson") -> str:
        self.objects[(bucket, key)] = body
        return key

    def write_json(self, bucket: str, key: str, document: Any) -> str:
        return self.write(bucket, key, json.dumps(document).encode(), "application/json")

    def read_json(self, bucket: str, key: str) -> Any:
        return json.loads(self.objects[(bucket, key)])

    def read(self, bucket: str, key: str) -> bytes:
        return self.objects[(bucket, key)]

    def pinned(self, bucket: str, key: str) -> tuple[int, dict[str, str]]:
        return len(self.objects[(bucket, key)]), {"IfMatch": str(hash(self.objects[(bucket, key)]))}

    def _pinned(self, bucket: str, key: str, pin: Mapping[str, str] | None) -> bytes:
        data = self.objects[(bucket, key)]
        if pin and pin.get("IfMatch") not in (None, str(hash(data))):
            raise RuntimeError("PreconditionFailed: the object changed")
        return data

    def read_range(
        self, bucket: str, key: str, start: int, end: int, pin: Mapping[str, str] | None = None
    ) -> bytes:
        return self._pinned(bucket, key, pin)[start:end]

    def chunks(
        self, bucket: str, key: str, start: int, end: int, size: int, pin: Mapping[str, str] | None = None
    ) -> Iterator[bytes]:
        data = self._pinned(bucket, key, pin)[start:end]
        return (data[at : at + size] for at in range(0, len(data), size))

    def keys(self, bucket: str, prefix: str) -> list[str]:
        return sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))

    def delete_prefix(self, bucket: str, prefix: str) -> int:
        gone = self.keys(bucket, prefix)
        for key in gone:
            del self.objects[(bucket, key)]
        return len(gone)

    def tag_prefix(self, bucket: str, prefix: str, tags: dict[str, str]) -> int:
        keys = self.keys(bucket, prefix)
        for key in keys:
            self.tags.setdefault((bucket, key), {}).update(tags)
        return len(keys)


class CloudFormation:
    """Stands for engage.adapters.cloudformation.response.respond: keeps each answer as CloudFormation
    reads it."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []

    def __call__(
        self,
        event: Mapping[str, Any],
        status: str,
        physical_id: str,
        data: Mapping[str, Any] | None = None,
        reason: str = "",
    ) -> None:
        self.answers.append(
            {
                "Status": status,
                "PhysicalResourceId": physical_id,
                "Data": dict(data or {}),
                "Reason": reason,
                "RequestId": event["RequestId"],
            }
        )

    @property
    def answer(self) -> dict[str, Any]:
        """The one answer a request gets."""
        assert len(self.answers) == 1, self.answers
        return self.answers[0]


def forget_wiring() -> None:
    """Every area wiring's built use cases and settings dropped: they were built on the services
    (and the environment) of the test before."""
    for name, module in list(sys.modules.items()):
        if name.startswith("engage.") and name.endswith(".wiring"):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
