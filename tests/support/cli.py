"""Running the `engage` command as a user would, in a process of its own, against a state dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENGAGE = [sys.executable, "-m", "engage_cli.main"]


def engage(*args: str, state_dir: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "ENGAGE_LOCAL_STATE_DIR": str(state_dir)}
    return subprocess.run(
        [*ENGAGE, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
