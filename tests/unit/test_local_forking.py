"""Workers forked from the local runtime's warm parent (engage_local.forking, engage_local/zygote.py)
are the processes a fresh `python -S -E worker.py` gives: the function's own environment, folder
and path, exit codes as Popen reports them, and the old start where a fork would differ."""

from __future__ import annotations

import json
import os
import signal
import textwrap
from pathlib import Path

import pytest

from engage_local import forking
from engage_local.runtime import FunctionSpec, LambdaRuntime, runtime_libraries

HANDLER = textwrap.dedent(
    """
    import os, sys
    PRELOADED = "botocore" in sys.modules  # before this module imported anything of its own

    def handler(event, context):
        if event.get("exit"):
            os._exit(event["exit"])
        if event.get("raise_exit"):
            raise SystemExit(event["raise_exit"])
        return {
            "pid": os.getpid(),
            "preloaded": PRELOADED,
            "cwd": os.getcwd(),
            "path_head": sys.path[:2],
            "mine": os.environ.get("MINE"),
            "leaked": sorted(k for k in os.environ if k.startswith("ENGAGE_LOCAL")),
            "interpreter_flags": [sys.flags.no_site, sys.flags.ignore_environment],
        }
    """
)


def _function(tmp_path: Path, name: str, environment: dict[str, str] | None = None) -> FunctionSpec:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "app.py").write_text(HANDLER)
    return FunctionSpec(
        name=name,
        arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        handler="app.handler",
        code_dir=str(folder),
        layer_dirs=(),
        environment=tuple(sorted((environment or {}).items())),
        timeout_seconds=30,
    )


@pytest.fixture
def runtime(tmp_path):
    runtime = LambdaRuntime("http://127.0.0.1:9", tmp_path / "logs")
    yield runtime
    runtime.stop()


def _call(runtime: LambdaRuntime, spec: FunctionSpec, event: dict | None = None) -> tuple[dict, str | None]:
    result = runtime.invoke(spec, event or {})
    return json.loads(result.payload), result.error_type


def test_a_forked_worker_has_its_functions_environment_folder_and_path_and_the_libraries_already_imported(
    runtime, tmp_path
):
    one = _function(tmp_path, "one", {"MINE": "one"})
    two = _function(tmp_path, "two", {"MINE": "two"})
    first, _ = _call(runtime, one)
    second, _ = _call(runtime, two)
    assert first["preloaded"] and second["preloaded"], "forked from the warm parent"
    assert (first["mine"], second["mine"]) == ("one", "two")
    assert first["cwd"] == one.code_dir and first["path_head"][0] == one.code_dir
    assert first["leaked"] == [] and second["leaked"] == [], "the runtime's own variables stay out"
    assert first["interpreter_flags"] == [1, 1], "as `python -S -E` starts it"
    assert first["pid"] != second["pid"]


@pytest.mark.parametrize(("event", "code"), [({"exit": 3}, 3), ({"raise_exit": 4}, 4)])
def test_a_forked_worker_that_exits_is_reported_with_its_exit_status(runtime, tmp_path, event, code):
    spec = _function(tmp_path, "exits")
    payload, error_type = _call(runtime, spec, event)
    assert error_type == "Runtime.ExitError"
    assert f"exit status {code}" in payload["errorMessage"]
    again, error_type = _call(runtime, spec)
    assert error_type is None and again["preloaded"], "the next cold start is forked again"


def test_a_function_that_sets_a_variable_read_at_import_starts_in_a_process_of_its_own(runtime, tmp_path):
    spec = _function(tmp_path, "own", {"POWERTOOLS_DEBUG": "true"})
    payload, _ = _call(runtime, spec)
    assert payload["preloaded"] is False


# boto3: preloaded by name; urllib3: brought in by it; email: the standard library's, preloaded too.
@pytest.mark.parametrize("library", ["boto3", "urllib3", "email"])
def test_a_function_with_its_own_copy_of_a_preloaded_module_starts_in_its_own_process(
    runtime, tmp_path, library
):
    spec = _function(tmp_path, "vendored")
    (Path(spec.code_dir) / library).mkdir()
    (Path(spec.code_dir) / library / "__init__.py").write_text("")
    payload, _ = _call(runtime, spec)
    assert payload["preloaded"] is False


def test_a_killed_forked_worker_reads_as_killed(tmp_path):
    zygote = forking.Zygote(runtime_libraries(), {"PATH": "/usr/bin:/bin"}, tmp_path / "zygote.log")
    read_fd, write_fd = os.pipe()
    try:
        with open(tmp_path / "worker.log", "ab") as log:
            process = zygote.spawn(
                str(tmp_path), {"_HANDLER": "missing.handler"}, log.fileno(), response_fd=write_fd
            )
        assert process.poll() is None
        process.kill()
        assert process.wait() == -signal.SIGKILL
    finally:
        os.close(read_fd)
        os.close(write_fd)
        zygote.stop()
