"""Cold starts forked from a warm parent (`engage_local/zygote.py`) instead of a new interpreter
importing boto3, botocore and Powertools again (in a py-spy profile of the e2e tier, imports and
client creation were about two thirds of the workers' CPU). A worker forked this way is the same
process a `python -S -E worker.py` start gives (its own environment, folder and path, the same
script), only its libraries are already imported.

A function that sets one of the variables those libraries read while they are imported, or whose
own code or layers hold a module of a name the zygote imported (the zygote reports them, its
libraries' dependencies and the standard library's included), starts the old way: the zygote's
copy would not be the one it asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

ZYGOTE_SCRIPT = Path(__file__).with_name("zygote.py")
START_SECONDS = 60  # the zygote's imports, on a loaded machine
ANSWER_BYTES = 1 << 20  # its "ready" message: the names it imported
# Read by a preloaded library while it is imported (botocore, Powertools): a function that sets
# one gets a process of its own.
IMPORT_TIME_VARIABLES = frozenset(
    {
        "AWS_NEW_RETRIES_2026",
        "BOTO_DISABLE_CRT",
        "POWERTOOLS_DEBUG",
        "POWERTOOLS_TRACE_MIDDLEWARES",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "PYTHONTZPATH",
    }
)


class ZygoteUnavailableError(Exception):
    """The zygote could not start or fork a worker; the caller starts one the old way."""


class ForkedProcess:
    """The parts of `subprocess.Popen` a worker uses, for a process the zygote forked: its pid,
    stdin, and exit code (reported by its watcher on the status pipe)."""

    def __init__(self, pid: int, stdin: IO[bytes] | None, status: IO[str]) -> None:
        self.pid = pid
        self.stdin = stdin
        self._status = status
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._status], [], [], 0)[0]:
            self._read_code()
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            self._read_code()
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # it has ended already
                os.kill(self.pid, signal.SIGKILL)

    def _read_code(self) -> None:
        line = self._status.readline()
        self.returncode = int(line) if line.strip() else -signal.SIGKILL  # its watcher was killed
        self._status.close()


class Zygote:
    """One warm parent, for the functions that share its layers and runtime libraries."""

    def __init__(
        self,
        paths: list[str],
        environment: dict[str, str],
        log_path: Path,
        flags: tuple[str, ...] = ("-S", "-E"),
        preload: tuple[str, ...] = (),
    ) -> None:
        """`paths` go before the interpreter's own while it imports; `flags` are the interpreter's
        (a Lambda worker's `-S -E` by default); `preload` names what to import (default: what Lambda
        functions import, in zygote.py)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
                [sys.executable, *flags, str(ZYGOTE_SCRIPT)],
                env={
                    **environment,
                    "ENGAGE_LOCAL_PATH": os.pathsep.join(paths),
                    "ENGAGE_LOCAL_WORKER": str(Path(__file__).with_name("worker.py")),
                    "ENGAGE_LOCAL_PRELOAD": ",".join(preload),
                    "ENGAGE_LOCAL_ZYGOTE_FD": str(theirs.fileno()),
                },
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),),
            )
        theirs.close()
        self._control = ours
        self._lock = threading.Lock()
        self._imported: frozenset[str] | None = None  # top-level names it imported, once ready
        self._shadowed: dict[str, bool] = {}  # by folder
        self.broken = False  # it failed once: later cold starts don't wait on it again

    def suits(self, code_dir: str, layer_dirs: tuple[str, ...], environment: dict[str, str]) -> bool:
        """Whether a worker forked from this zygote is the process the function would start."""
        if self.broken or IMPORT_TIME_VARIABLES & environment.keys():
            return False
        try:
            with self._lock:
                self._await_ready()
        except ZygoteUnavailableError:
            self.broken = True
            return False
        return not any(self._shadows(folder) for folder in (code_dir, *layer_dirs))

    def spawn(
        self,
        cwd: str,
        environment: dict[str, str],
        stdout_fd: int,
        stderr_fd: int | None = None,
        response_fd: int | None = None,
        module: str | None = None,
        call: str = "main",
        argv: tuple[str, ...] = (),
        piped_stdin: bool = True,
    ) -> ForkedProcess:
        """A child in `cwd` with exactly `environment`: `worker.py` (with its `response_fd`), or
        `module`'s `call` run as `python -m <module>` runs it, with `argv`. stderr goes with stdout
        unless given; stdin is a pipe (the process's `stdin`) or, unless `piped_stdin`, /dev/null."""
        if piped_stdin:
            stdin_read, stdin_write = os.pipe()
        else:
            stdin_read, stdin_write = os.open(os.devnull, os.O_RDONLY), None
        status_read, status_write = os.pipe()
        fds = [stdin_read, stdout_fd, stdout_fd if stderr_fd is None else stderr_fd, status_write]
        fds += [] if response_fd is None else [response_fd]
        request = {
            "cwd": cwd,
            "env": environment,
            **({"module": module, "call": call, "argv": list(argv)} if module else {}),
        }
        try:
            with self._lock:
                self._await_ready()
                socket.send_fds(self._control, [json.dumps(request).encode()], fds)
        except (OSError, ZygoteUnavailableError) as exc:
            self.broken = True
            _close(stdin_read, stdin_write, status_read, status_write)
            raise ZygoteUnavailableError(str(exc)) from exc
        _close(stdin_read, status_write)
        status = os.fdopen(status_read, "r")
        line = status.readline() if select.select([status], [], [], START_SECONDS)[0] else ""
        if not line.strip():
            status.close()
            _close(stdin_write)
            raise ZygoteUnavailableError("the zygote did not fork a child in time")
        stdin = os.fdopen(stdin_write, "wb") if stdin_write is not None else None
        return ForkedProcess(int(line), stdin, status)

    def stop(self) -> None:
        self._control.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _await_ready(self) -> None:
        """Until the zygote has imported what it preloads (under the lock)."""
        if self._imported is not None:
            return
        started = select.select([self._control], [], [], START_SECONDS)[0]
        answer = self._control.recv(ANSWER_BYTES) if started else b""
        try:
            self._imported = frozenset(json.loads(answer)["imported"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ZygoteUnavailableError("the zygote did not start") from exc

    def _shadows(self, folder: str) -> bool:
        """Whether a function's folder or layer holds its own module or package of a name the
        zygote imported (which a fresh interpreter would have taken from the folder instead)."""
        if folder not in self._shadowed:
            try:
                names = {Path(name).name.split(".")[0] for name in os.listdir(folder)}
            except OSError:
                names = set()
            self._shadowed[folder] = bool(names & (self._imported or frozenset()))
        return self._shadowed[folder]


def _close(*fds: int | None) -> None:
    for fd in fds:
        if fd is not None:
            os.close(fd)
