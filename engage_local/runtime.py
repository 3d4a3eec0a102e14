"""Lambda's execution model for the local stack: every function runs in worker processes of its
own (started on first use, reused while warm), with only its own environment variables, its code
folder and layers on the path, a Lambda-like context, its timeout enforced by ending the worker,
and at most its reserved concurrency of workers at once."""

from __future__ import annotations

import hashlib
import json
import os
import select
import subprocess
import sys
import sysconfig
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from engage.clock import CLOCK_FILE_VARIABLE

from engage_local.forking import ForkedProcess, Zygote, ZygoteUnavailableError
from engage_local.iam.principals import PRINCIPALS

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
DEFAULT_CONCURRENCY = 4  # per function when none is reserved: what two cores sensibly run
LOG_TAIL_BYTES = 4096  # what Lambda returns with LogType=Tail


class TooManyRequestsError(Exception):
    """The function is at its reserved concurrency (Lambda answers 429 TooManyRequestsException)."""


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    arn: str
    handler: str
    code_dir: str
    layer_dirs: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    timeout_seconds: float
    memory_mb: int = 128
    reserved_concurrency: int | None = None
    role: str = ""  # its execution role's ARN: the role its calls are made as

    @property
    def revision(self) -> str:
        """Changes whenever anything a warm worker was started with changes."""
        return hashlib.sha256(
            json.dumps(
                [
                    self.handler,
                    self.code_dir,
                    self.layer_dirs,
                    self.environment,
                    self.timeout_seconds,
                    self.memory_mb,
                    self.role,
                ]
            ).encode()
        ).hexdigest()[:16]


@dataclass
class Invocation:
    payload: str  # the handler's JSON result, or Lambda's error document
    error_type: str | None  # None when the handler returned
    logs: str
    request_id: str
    duration_ms: float

    @property
    def errored(self) -> bool:
        return self.error_type is not None


def runtime_environment() -> dict[str, str]:
    """What every function's environment holds before its own settings."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - as Lambda's /tmp home
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    }


class Worker:
    def __init__(
        self,
        spec: FunctionSpec,
        endpoint_url: str,
        log_path: Path,
        clock_file: Path | None = None,
        zygote: Zygote | None = None,
    ) -> None:
        self.spec = spec
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the worker
        read_fd, write_fd = os.pipe()
        env = {
            **runtime_environment(),
            # Credentials that name the function's role: IAM judges its calls as that role's.
            "AWS_ACCESS_KEY_ID": PRINCIPALS.credentials_for(spec.role) if spec.role else "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_REGION": spec.arn.split(":")[3],
            "AWS_DEFAULT_REGION": spec.arn.split(":")[3],
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_path.stem,
            "LAMBDA_TASK_ROOT": spec.code_dir,
            "_HANDLER": spec.handler,
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            **dict(spec.environment),
            # The local stack's drivable clock (engage.clock); deployed functions never have it.
            **({CLOCK_FILE_VARIABLE: str(clock_file)} if clock_file else {}),
            "ENGAGE_LOCAL_PATH": os.pathsep.join(import_path(spec)),
        }
        self.process = self._forked(zygote, env, write_fd) or subprocess.Popen(  # noqa: S603 - ours
            [sys.executable, "-S", "-E", str(WORKER_SCRIPT)],
            cwd=spec.code_dir,
            env={**env, "ENGAGE_LOCAL_RESPONSE_FD": str(write_fd)},
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
        )
        os.close(write_fd)
        self._responses = os.fdopen(read_fd, "rb")

    def _forked(self, zygote: Zygote | None, env: dict[str, str], response_fd: int) -> ForkedProcess | None:
        """The worker forked from the warm `zygote`, when it suits the function."""
        spec = self.spec
        if zygote is None or not zygote.suits(spec.code_dir, spec.layer_dirs, dict(spec.environment)):
            return None
        try:
            return zygote.spawn(spec.code_dir, env, self._log.fileno(), response_fd=response_fd)
        except ZygoteUnavailableError as exc:
            self._append_log(f"engage-local: starting the worker without its zygote ({exc})\n")
            return None

    def invoke(self, event: object, function_arn: str) -> Invocation:
        request_id = str(uuid.uuid4())
        deadline = time.time() + self.spec.timeout_seconds
        offset = self.log_path.stat().st_size
        started = time.perf_counter()
        request = {
            "request_id": request_id,
            "event": event,
            "function_arn": function_arn,
            "deadline_ms": deadline * 1000,
        }
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            return self._died(request_id, offset, started)
        ready, _, _ = select.select([self._responses], [], [], max(deadline - time.time(), 0))
        if not ready:
            self.stop()
            message = (
                f"RequestId: {request_id} Error: Task timed out after {self.spec.timeout_seconds:.2f} seconds"
            )
            self._append_log(f"{message}\n")
            return self._error(request_id, "Sandbox.Timedout", message, offset, started)
        line = self._responses.readline()
        if not line:
            return self._died(request_id, offset, started)
        response = json.loads(line)
        logs = self._read_log(offset)
        elapsed = (time.perf_counter() - started) * 1000
        if "error" in response:
            return Invocation(
                json.dumps(response["error"]), response["error"]["errorType"], logs, request_id, elapsed
            )
        return Invocation(response["result"], None, logs, request_id, elapsed)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait()
        self._responses.close()
        self._log.close()
        if self.process.stdin:
            self.process.stdin.close()

    def _died(self, request_id: str, offset: int, started: float) -> Invocation:
        code = self.process.wait()
        self.stop()
        return self._error(
            request_id,
            "Runtime.ExitError",
            f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
            offset,
            started,
        )

    def _error(
        self, request_id: str, error_type: str, message: str, offset: int, started: float
    ) -> Invocation:
        return Invocation(
            json.dumps({"errorType": error_type, "errorMessage": message}),
            error_type,
            self._read_log(offset),
            request_id,
            (time.perf_counter() - started) * 1000,
        )

    def _append_log(self, text: str) -> None:
        if not self._log.closed:
            self._log.write(text.encode())
            self._log.flush()
        else:
            with open(self.log_path, "ab") as log:
                log.write(text.encode())

    def _read_log(self, offset: int) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")


def import_path(spec: FunctionSpec) -> tuple[str, ...]:
    """Where a function imports from after its own folder: its layers, then the runtime's libraries."""
    return (*spec.layer_dirs, *runtime_libraries())


def runtime_libraries() -> list[str]:
    """What the Lambda Python runtime provides besides the standard library (boto3 and botocore),
    taken from this interpreter's site-packages without running its .pth files, so that nothing
    installed in development mode (the `engage` package itself) leaks onto a function's path."""
    return [sysconfig.get_paths()["purelib"]]


@dataclass
class _Pool:
    spec: FunctionSpec
    idle: list[Worker] = field(default_factory=list)
    busy: int = 0
    started: int = 0


class LambdaRuntime:
    """Invokes functions in their own warm workers; one pool per function revision."""

    def __init__(self, endpoint_url: str, log_dir: Path, clock_file: Path | None = None) -> None:
        self.endpoint_url = endpoint_url
        self.clock_file = clock_file
        self.log_dir = log_dir
        self._pools: dict[tuple[str, str], _Pool] = {}
        self._zygotes: dict[tuple[str, ...], Zygote] = {}  # by the path its workers import from
        self._lock = threading.Condition()

    def invoke(self, spec: FunctionSpec, event: object) -> Invocation:
        worker = self._acquire(spec)
        try:
            result = worker.invoke(event, spec.arn)
        finally:
            self._release(spec, worker)
        return result

    def workers(self, function_name: str) -> int:
        """Live workers of a function (for tests and `engage local status`)."""
        with self._lock:
            return sum(len(p.idle) + p.busy for (name, _), p in self._pools.items() if name == function_name)

    def stop(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                for worker in pool.idle:
                    worker.stop()
            self._pools.clear()
            for zygote in self._zygotes.values():
                zygote.stop()
            self._zygotes.clear()

    def _zygote(self, spec: FunctionSpec) -> Zygote:
        """The warm parent of the workers that import from the function's layers (under the lock)."""
        paths = import_path(spec)
        if paths not in self._zygotes:
            log = self.log_dir / "zygotes" / f"{len(self._zygotes) + 1}.log"
            self._zygotes[paths] = Zygote(list(paths), runtime_environment(), log)
        return self._zygotes[paths]

    def _acquire(self, spec: FunctionSpec) -> Worker:
        limit = spec.reserved_concurrency if spec.reserved_concurrency is not None else DEFAULT_CONCURRENCY
        with self._lock:
            self._retire_stale(spec)
            pool = self._pools.setdefault((spec.name, spec.revision), _Pool(spec))
            while True:
                while pool.idle:
                    worker = pool.idle.pop()
                    if worker.alive:
                        pool.busy += 1
                        return worker
                    worker.stop()
                if pool.busy < limit:
                    pool.busy += 1
                    pool.started += 1
                    break
                if spec.reserved_concurrency is not None:
                    raise TooManyRequestsError(
                        f"Rate Exceeded: {spec.name} is at its reserved concurrency ({limit})"
                    )
                self._lock.wait()
            number = pool.started
            zygote = self._zygote(spec)
        try:
            return Worker(
                spec,
                self.endpoint_url,
                self.log_dir / spec.name / f"{spec.revision}-{number}.log",
                self.clock_file,
                zygote,
            )
        except BaseException:
            with self._lock:
                pool.busy -= 1
                self._lock.notify_all()
            raise

    def _release(self, spec: FunctionSpec, worker: Worker) -> None:
        with self._lock:
            pool = self._pools.get((spec.name, spec.revision))
            if pool is None:
                worker.stop()
                return
            pool.busy -= 1
            if worker.alive:
                pool.idle.append(worker)
            else:
                worker.stop()
            self._lock.notify_all()

    def _retire_stale(self, spec: FunctionSpec) -> None:
        """A changed configuration or code starts new workers, as a Lambda update does."""
        for key in [k for k in self._pools if k[0] == spec.name and k[1] != spec.revision]:
            for worker in self._pools[key].idle:
                worker.stop()
            if self._pools[key].busy == 0:
                del self._pools[key]
