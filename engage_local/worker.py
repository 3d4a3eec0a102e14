"""One Lambda execution environment: a process that imports one function's handler and serves its
invocations one at a time, as the Lambda runtime interface would.

Started by `engage_local.runtime` with `python -S -E worker.py`, a clean environment (the function's
own variables only) and the function's code folder as working directory. The parent writes one JSON
request per line on stdin; the worker answers one JSON line on the pipe it names in
ENGAGE_LOCAL_RESPONSE_FD. Whatever the
handler prints or logs goes to stdout/stderr, which the parent sends to the function's log file.
This file imports nothing from the project: the function must find its code and layers on its own
path, as on Lambda.
"""

import importlib
import json
import os
import sys
import time
import traceback

RESPONSES = os.fdopen(int(os.environ.pop("ENGAGE_LOCAL_RESPONSE_FD")), "w", buffering=1)


class LambdaContext:
    """The context object Lambda passes to a Python handler."""

    def __init__(self, request: dict) -> None:
        self.aws_request_id = request["request_id"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = request["function_arn"]
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = request.get("client_context")
        self._deadline_ms = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(int(self._deadline_ms - time.time() * 1000), 0)


def error(error_type: str, message: str, trace: list[str] | None = None) -> dict:
    return {"error": {"errorType": error_type, "errorMessage": message, "stackTrace": trace or []}}


def load_handler() -> tuple[object, dict | None]:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - reported to the caller as Lambda reports it
        return None, error(
            "Runtime.ImportModuleError",
            f"Unable to import module '{module_name}': {exc}",
            traceback.format_exception(exc),
        )
    handler = getattr(module, function_name, None)
    if not callable(handler):
        return None, error(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        )
    return handler, None


def serve() -> None:
    # The function's code folder, then its layers, then the libraries the Lambda runtime provides;
    # never this script's own folder.
    extra = [p for p in os.environ.pop("ENGAGE_LOCAL_PATH", "").split(os.pathsep) if p]
    sys.path[:] = [os.getcwd(), *extra, *sys.path[1:]]
    handler, init_error = load_handler()
    for line in sys.stdin:
        request = json.loads(line)
        print(f"START RequestId: {request['request_id']} Version: $LATEST", flush=True)
        started = time.perf_counter()
        if init_error:
            response = init_error
        else:
            try:
                result = handler(request["event"], LambdaContext(request))
                response = {"result": json.dumps(result)}
            except (TypeError, ValueError) as exc:
                if "JSON serializable" in str(exc):
                    response = error("Runtime.MarshalError", f"Unable to marshal response: {exc}")
                else:
                    response = error(type(exc).__name__, str(exc), traceback.format_exception(exc))
            except Exception as exc:  # noqa: BLE001 - an unhandled function error, as Lambda reports it
                response = error(type(exc).__name__, str(exc), traceback.format_exception(exc))
        elapsed_ms = (time.perf_counter() - started) * 1000
        sys.stdout.flush()
        sys.stderr.flush()
        print(f"END RequestId: {request['request_id']}", flush=True)
        print(f"REPORT RequestId: {request['request_id']}\tDuration: {elapsed_ms:.2f} ms", flush=True)
        RESPONSES.write(json.dumps(response) + "\n")


if __name__ == "__main__":
    serve()
