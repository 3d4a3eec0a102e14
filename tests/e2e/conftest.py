"""The local stack, brought up once per test session: the project's template deployed as stack
`engage`, and the local stack's own test applications (tests/e2e/apps) as `runtime-test` (worker
isolation, nested stacks, provisioners) and `triggers` (event sources with Lambda's semantics)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engage_local.stack import LocalStack

RUNTIME_APP = Path(__file__).parent / "apps" / "runtime" / "template.yaml"
TRIGGERS_APP = Path(__file__).parent / "apps" / "triggers" / "template.yaml"


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    stack = LocalStack(state_dir=tmp_path_factory.mktemp("engage-local")).start()
    try:
        stack.deploy()
        stack.deploy(RUNTIME_APP, "runtime-test")
        stack.deploy(TRIGGERS_APP, "triggers")
        stack.write_state()
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def state(local_stack):
    from engage_local.state import read_state

    return read_state(local_stack.state_dir)


def invoke(local_stack, function: str, event: dict | None = None, stack: str = "runtime-test") -> dict:
    """Invokes through the emulator's Lambda API, as any client would."""
    from engage_local.state import read_state

    name = read_state(local_stack.state_dir).physical_id(function, stack, "AWS::Lambda::Function")
    response = local_stack.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event or {}).encode(), LogType="Tail"
    )
    return {
        "error": response.get("FunctionError"),
        "payload": json.loads(response["Payload"].read() or "null"),
        "logs": response.get("LogResult", ""),
    }
