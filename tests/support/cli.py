"""Running the `engage` command as a user would, in a process of its own, against a state dir.

Each command is a process of its own with its own arguments, environment, stdout, stderr and exit
code. It is forked from a warm parent that has imported the CLI once (engage_local.forking, the
same parent the local stack's Lambda workers use), since the e2e tier runs the command hundreds of
times and each fresh interpreter spent half a second importing boto3 and the CLI again.
`ENGAGE_TEST_FRESH_CLI=1` starts a fresh interpreter for each command instead.
"""

from __future__ import annotations

import atexit
import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engage_local.forking import Zygote, ZygoteUnavailableError

ENGAGE = [sys.executable, "-m", "engage_cli.main"]
MODULE = "engage_cli.main"
# What a command imports before it runs: the CLI's areas (main.parser() registers them) and boto3.
CLI_MODULES = (
    "boto3",
    "engage_cli.main",
    "engage_cli.apps",
    "engage_cli.campaigns",
    "engage_cli.journeys",
    "engage_cli.copying",
    "engage_cli.events",
)
_warm: dict[int, Zygote] = {}  # per test process (each xdist worker has its own)


def engage(*args: str, state_dir: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "ENGAGE_LOCAL_STATE_DIR": str(state_dir)}
    zygote = _zygote()
    if zygote is not None:
        try:
            return _forked(zygote, args, env, timeout)
        except ZygoteUnavailableError:
            pass  # a fresh interpreter, as below
    return subprocess.run(
        [*ENGAGE, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def _zygote() -> Zygote | None:
    if os.environ.get("ENGAGE_TEST_FRESH_CLI") == "1":
        return None
    zygote = _warm.get(os.getpid())
    if zygote is None or zygote.broken:
        log = Path(tempfile.gettempdir()) / f"engage-cli-zygote-{os.getpid()}.log"
        zygote = _warm[os.getpid()] = Zygote([], dict(os.environ), log, flags=(), preload=CLI_MODULES)
        atexit.register(zygote.stop)
    return zygote


def _forked(
    zygote: Zygote, args: tuple[str, ...], env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess:
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    try:
        process = zygote.spawn(
            os.getcwd(), env, out_write, err_write, module=MODULE, argv=args, piped_stdin=False
        )
    except ZygoteUnavailableError:
        for fd in (out_read, err_read):
            os.close(fd)
        raise
    finally:
        os.close(out_write)
        os.close(err_write)
    output = {out_read: bytearray(), err_read: bytearray()}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for fd in output:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                process.kill()
                process.wait()
                for key in list(selector.get_map().values()):
                    os.close(key.fd)
                raise subprocess.TimeoutExpired(
                    [*ENGAGE, *args], timeout, bytes(output[out_read]), bytes(output[err_read])
                )
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 65536)
                if chunk:
                    output[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
    return subprocess.CompletedProcess(
        [*ENGAGE, *args],
        process.wait(),
        output[out_read].decode(errors="replace"),
        output[err_read].decode(errors="replace"),
    )
