"""A warm parent: it imports, once, the libraries its children would each import at their start,
then forks a child for each request, so that no child pays for those imports again. For the local
stack's Lambda workers (the default) it imports the libraries every function finds on its path (the
Lambda runtime's boto3 and botocore, the layers' third-party libraries) and a child runs
`worker.py` exactly as a process of its own would, with the function's environment, folder and
path; for the e2e tests' `engage` commands (`ENGAGE_LOCAL_PRELOAD` names the modules) a child runs
the named module with the command's arguments, as `python -m` would.

Started by `engage_local.forking`, for workers with `python -S -E zygote.py` and a clean environment
holding only what every function's environment shares, so nothing one function is given reaches
another. A request is one SOCK_SEQPACKET message (JSON: the child's folder, environment, and module
and arguments if any) carrying its stdin, stdout, stderr and status descriptors, and a worker's
response pipe. For each request the zygote forks a watcher, which forks the child, writes the
child's pid to the status pipe, waits for it and then writes its exit code, as `Popen.wait` would
give it. The zygote ends when its parent closes its end of the socket. This file imports nothing
from the project.
"""

import importlib
import json
import os
import runpy
import signal
import socket
import sys
import traceback

# Imported before any fork: the runtime's libraries and the layers' third-party ones that functions
# import at their start (measured in the local stack's workers), none of which reads a function's
# own settings while it is imported (engage_local.forking keeps a function that sets one of the
# variables they read cold).
PRELOAD = (
    "boto3",
    "botocore.session",
    "botocore.client",
    "botocore.parsers",
    "botocore.serialize",
    "botocore.validate",
    "botocore.httpsession",
    "botocore.retries.standard",
    "botocore.crt.auth",
    "s3transfer.manager",
    "aws_lambda_powertools",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.data_classes",
    "aws_lambda_powertools.utilities.parameters",
    "aws_lambda_powertools.event_handler",
    "pybars",
    "phonenumbers",
    "dateutil.parser",
    "jmespath",
    "zoneinfo",
    "email.parser",
    "email.policy",
    "html.parser",
    "decimal",
    "uuid",
    "concurrent.futures",
)

MESSAGE_BYTES = 1 << 20
DESCRIPTORS = 5  # stdin, stdout, stderr, status, and a worker's response pipe


def preload(extra: list[str], names: tuple[str, ...]) -> list[str]:
    """Imports `names` from `extra` and the interpreter's own path; answers the top-level names
    this brought into sys.modules (what a function's own copy would no longer replace)."""
    before = {name.partition(".")[0] for name in sys.modules}
    base = sys.path[1:]
    sys.path[:] = [*extra, *base]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - a worker imports it itself and meets the error there
            continue
    sys.path[:] = base
    return sorted({name.partition(".")[0] for name in sys.modules} - before)


def child(script: str, request: dict, fds: list[int]) -> int:
    """In the forked child: the process `python [-S -E] <script>` or `python -m <module> <args>` would
    start, with the request's environment and folder."""
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    for fd in set(fds[:3]):
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if len(fds) > 3:
        os.environ["ENGAGE_LOCAL_RESPONSE_FD"] = str(fds[3])
    try:
        if request.get("module"):
            # `python -m <module>` whose `if __name__ == "__main__"` calls `sys.exit(<call>())`: the
            # call itself, on the module imported already (running it again as __main__ would
            # import a second copy beside the first).
            sys.argv = [request["module"], *request.get("argv", [])]
            sys.path[:] = [os.getcwd(), *sys.path]  # as `python -m` puts it first
            sys.exit(getattr(importlib.import_module(request["module"]), request["call"])())
        else:
            sys.argv = [script]
            sys.path[:] = [os.path.dirname(script), *sys.path]  # worker.py replaces its own folder, [0]
            runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - reported as the interpreter would, then exit 1
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


def watch(script: str, request: dict, fds: list[int]) -> None:
    """In the forked watcher: forks the child, reports its pid, waits, reports its exit code."""
    status_fd = fds[3]
    kept = [*fds[:3], *fds[4:]]  # stdin, stdout, stderr, and a response pipe if any
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        os.close(status_fd)
        os._exit(child(script, request, kept))
    for fd in set(kept):
        os.close(fd)
    os.write(status_fd, f"{pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    os.write(status_fd, f"{os.waitstatus_to_exitcode(status)}\n".encode())
    os._exit(0)


def serve() -> None:
    control = socket.socket(fileno=int(os.environ.pop("ENGAGE_LOCAL_ZYGOTE_FD")))
    script = os.environ.pop("ENGAGE_LOCAL_WORKER", "")
    named = tuple(n for n in os.environ.pop("ENGAGE_LOCAL_PRELOAD", "").split(",") if n)
    extra = [p for p in os.environ.pop("ENGAGE_LOCAL_PATH", "").split(os.pathsep) if p]
    imported = preload(extra, named or PRELOAD)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # watchers are reaped by the kernel
    control.sendall(json.dumps({"ready": True, "imported": imported}).encode())
    while True:
        message, fds, _flags, _address = socket.recv_fds(control, MESSAGE_BYTES, DESCRIPTORS)
        if not message:
            return  # the runtime closed its end
        if os.fork() == 0:
            control.close()
            watch(script, json.loads(message), fds)
        for fd in fds:
            os.close(fd)


if __name__ == "__main__":
    serve()
