"""How commands find the running local stack: `engage local up` writes a state file (endpoint,
region, deployed stacks with their resources and outputs, its process id) and removes it when it
stops; other commands read it and check that the process still answers."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
from engage.adapters.clients import ClientFactory, new_session

STATE_FILE = "stack.json"
ROOT_STACK = "engage"


class NotRunningError(Exception):
    """No local stack is running (or the one recorded has gone away)."""


def default_state_dir() -> Path:
    configured = os.environ.get("ENGAGE_LOCAL_STATE_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / ".engage-local"


@dataclass
class StackState:
    endpoint_url: str
    region: str
    api_url: str | None = None
    control_url: str | None = None
    stacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    pid: int = field(default_factory=os.getpid)

    def root(self, stack: str = ROOT_STACK) -> dict[str, Any]:
        if stack not in self.stacks:
            raise NotRunningError(
                f"the local stack has no stack named {stack!r} (it has {', '.join(self.stacks)})"
            )
        return self.stacks[stack]

    def outputs(self, stack: str = ROOT_STACK) -> dict[str, str]:
        return self.root(stack)["outputs"]

    def physical_id(self, path: str, stack: str = ROOT_STACK, resource_type: str | None = None) -> str:
        """`Fn` (a root resource) or `App/Fn` (a resource of nested application App) to its physical id."""
        report = self.root(stack)
        *apps, logical_id = path.split("/")
        for app in apps:
            if app not in report["children"]:
                raise LookupError(
                    f"no nested application {app!r} in stack {report['name']} "
                    f"(it has: {', '.join(report['children']) or 'none'})"
                )
            report = report["children"][app]
        for resource in report["resources"]:
            if resource["logical_id"] == logical_id and resource_type in (None, resource["type"]):
                return resource["physical_id"]
        kinds = sorted(r["logical_id"] for r in report["resources"] if resource_type in (None, r["type"]))
        raise LookupError(
            f"no {resource_type or 'resource'} {logical_id!r} in stack {report['name']} "
            f"(it has: {', '.join(kinds) or 'none'})"
        )


def write_state(state_dir: Path, state: StackState) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / STATE_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(state), indent=2))
    temporary.replace(path)
    return path


def clear_state(state_dir: Path) -> None:
    (state_dir / STATE_FILE).unlink(missing_ok=True)


def read_state(state_dir: Path | None = None) -> StackState:
    """The running stack's state, or NotRunningError with what to do about it."""
    path = (state_dir or default_state_dir()) / STATE_FILE
    hint = "Start one with `engage local up` (it runs in the foreground; use another terminal)."
    if not path.exists():
        raise NotRunningError(f"No local stack is running. {hint}")
    state = StackState(**json.loads(path.read_text()))
    try:
        # A stopped stack refuses the connection at once; a busy one may take seconds to answer.
        requests.get(f"{state.endpoint_url}/moto-api/", timeout=15)
    except requests.RequestException:
        raise NotRunningError(
            f"The local stack recorded in {path} (process {state.pid}) is not answering at "
            f"{state.endpoint_url}. {hint}"
        ) from None
    return state


def local_clients(endpoint_url: str, region: str, max_attempts: int | None = None) -> ClientFactory:
    """Clients for the emulator: its endpoint and dummy credentials, whatever the shell has set."""
    session = new_session(
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the emulator takes any credentials
        region_name=region,
    )
    return ClientFactory(region=region, endpoint_url=endpoint_url, session=session, max_attempts=max_attempts)
