"""What every `engage` command shares: its errors and exit codes, its output (one JSON document
with --json, progress on stderr), and the way to the running local stack."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from engage_local.state import default_state_dir

EXIT_FAILED, EXIT_USAGE = 1, 2


class CommandError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED, kind: str = "Failed") -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind


def emit(args: argparse.Namespace, document: Any, human: str | None = None) -> None:
    if args.json:
        print(json.dumps(document, default=str), flush=True)
    else:
        print(human if human is not None else json.dumps(document, indent=2, default=str), flush=True)


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def running_stack(args: argparse.Namespace) -> Any:
    """The running local stack's state; this process then tells time by the stack's clock."""
    from engage.clock import CLOCK_FILE_VARIABLE

    from engage_local.state import read_state

    directory = state_dir(args)
    state = read_state(directory)
    os.environ[CLOCK_FILE_VARIABLE] = str(directory / "clock")
    return state


def state_dir(args: argparse.Namespace) -> Path:
    return Path(args.state_dir) if args.state_dir else default_state_dir()


def stack_clients(state: Any) -> Any:
    from engage_local.state import local_clients

    return local_clients(state.endpoint_url, state.region)


def job_store(state: Any, stack: str) -> Any:
    from engage.adapters.dynamodb.jobs import DynamoJobStore

    return DynamoJobStore(state.outputs(stack)["JobsTableName"], stack_clients(state).client("dynamodb"))
