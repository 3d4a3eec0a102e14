"""The local stack: moto in server mode, in this process, with Step Functions executing real ASL,
our Lambda runtime and provisioners installed, and the project's template deployed into it.

`LocalStack().start()` then `.deploy()`; `engage local up` does both and keeps it running for other
commands, which find it through the state file it writes (see `engage_local.state`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from engage.clock import CLOCK_FILE_VARIABLE
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from werkzeug.serving import make_server

from engage_cli import console as published
from engage_local import console, patches, provisioners, routing
from engage_local.api import LocalHttp, parse_at
from engage_local.deploy import Deployer, Progress, StackReport
from engage_local.emulators import EmulatedServices, EmulatorMiddleware, jsonable
from engage_local.emulators.edge import Fetched, fetch
from engage_local.emulators.framework import Clock
from engage_local.iam.account import Account
from engage_local.iam.enforcer import Enforcer
from engage_local.iam.principals import ACTIVE, iam_mode
from engage_local.invoker import Invoker
from engage_local.pollers import Pollers, age_delayed_messages, next_delayed_seconds
from engage_local.routing import Router
from engage_local.runtime import LambdaRuntime
from engage_local.state import StackState, default_state_dir, local_clients, write_state

ROOT = Path(__file__).resolve().parent.parent
ROOT_STACK = "engage"
SETTLE_SECONDS = 60.0  # how long a clock firing's work may take before time moves on anyway
QUIET_POLL_SECONDS = 0.01
QUIET_RECHECK_SECONDS = 0.02  # a second look: work may pass from one part of the stack to another


def _running_executions() -> bool:
    for backend in _sfn_backends():
        for machine in backend.state_machines:
            if any(e.status == "RUNNING" for e in machine.executions):
                return True
    return False


def _sfn_backends() -> list[Any]:
    """Step Functions' backends (the stack runs the executing one, moto's parser backend)."""
    return [backend for regions in stepfunctions_parser_backends.values() for backend in regions.values()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmulatingMotoServer(ThreadedMotoServer):
    """moto's threaded server with the emulated services in front of its application."""

    def __init__(self, emulated: EmulatedServices, enforcer: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.emulated = emulated
        self.enforcer = enforcer

    def _server_entry(self) -> None:
        app = EmulatorMiddleware(
            DomainDispatcherApplication(create_backend_app), self.emulated, self.enforcer
        )
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


class LocalStack:
    """One at a time per process: moto keeps its state in module globals, which two stacks would
    share; a stack started after another one stopped starts from an empty emulator."""

    _running: LocalStack | None = None

    def __init__(
        self,
        root: Path = ROOT,
        state_dir: Path | None = None,
        region: str = "us-east-1",
        port: int | None = None,
        progress: Progress = lambda _m: None,
    ) -> None:
        self.root = root
        self.state_dir = state_dir or default_state_dir()
        self.region = region
        self.port = port or free_port()
        self.progress = progress
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.runtime = LambdaRuntime(self.endpoint_url, self.state_dir / "logs")
        self.artifacts = patches.Artifacts(self.state_dir / "code")
        self.stacks: dict[str, StackReport] = {}
        self.clients = local_clients(self.endpoint_url, region)
        self._server: ThreadedMotoServer | None = None
        self.invoker: Invoker | None = None
        self.router: Router | None = None
        self.pollers: Pollers | None = None
        self._routing: tuple | None = None
        self.api: LocalHttp | None = None
        self.control: LocalHttp | None = None
        self.started_seconds: float | None = None
        self.console: console.LocalConsole | None = None  # the web console, once deployed and published

    def start(self) -> LocalStack:
        if LocalStack._running is not None:
            raise RuntimeError(
                "a local stack is already running in this process (moto's state is process-wide); "
                "stop it first or use another process"
            )
        LocalStack._running = self
        began = time.perf_counter()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.progress(f"starting the emulator on {self.endpoint_url}")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        os.environ["MOTO_PORT"] = str(self.port)  # where moto's Step Functions send their SDK calls
        # One clock for the stack: the emulators read it here, the functions through the file.
        self.clock = Clock(self.state_dir / "clock")
        self.runtime.clock_file = self.clock.path
        self._clock_variable = os.environ.get(CLOCK_FILE_VARIABLE)
        os.environ[CLOCK_FILE_VARIABLE] = str(self.clock.path)  # engage.clock in this process too
        self.emulated = EmulatedServices(self.region, self.clients, self.clock)
        self.enforcer = (
            Enforcer(Account(self.region, self.emulated), self.emulated.outbox, mode=iam_mode())
            if iam_mode() != "off"
            else None
        )
        ACTIVE[:] = [self.enforcer] if self.enforcer else []
        self._server = EmulatingMotoServer(
            self.emulated, self.enforcer, ip_address="127.0.0.1", port=self.port, verbose=False
        )
        self._server.start()
        # moto keeps its state in module globals: a stack started after another in the same process
        # starts empty, as a new account would.
        requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=30).raise_for_status()
        requests.post(
            f"{self.endpoint_url}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        ).raise_for_status()
        provisioners.bind(self.endpoint_url)
        self.invoker = Invoker(
            self.runtime, lambda fn: patches.function_spec(fn, self.artifacts), self.clients
        )
        self.router = Router(self.invoker, self.clients, self.region)
        self._routing = routing.patch_targets(self.router)
        patches.install(self.runtime, self.artifacts, provisioners.PROVISIONERS, self.invoker.submit)
        self.pollers = Pollers(self.invoker, self.clients, self.region)
        self.pollers.start()
        self.api = LocalHttp(self.invoker).start()
        self.control = LocalHttp(
            self.invoker,
            control={
                "tick": lambda body: jsonable(
                    {"fired": self.tick(parse_at(body["at"]) if body.get("at") else None)}
                ),
                "settle": lambda body: {"idle": self.settle(float(body.get("timeout", 30)))},
                "outbox": lambda body: {
                    "entries": jsonable(
                        self.emulated.outbox.entries(body.get("service"), body.get("operation"))
                    )
                },
                "faults": lambda body: {
                    "rules": self.emulated.faults.configure(body["rules"])
                    if "rules" in body
                    else self.emulated.faults.describe()
                },
                "sms-inbound": lambda body: self.emulated.sms.receive(body["from"], body["to"], body["body"]),
                "clock": lambda body: jsonable(self._clock_control(body)),
            },
            edge=self.emulated.edge,
        ).start()
        self.started_seconds = time.perf_counter() - began
        return self

    def deploy(
        self,
        template: Path | None = None,
        stack_name: str = ROOT_STACK,
        parameters: dict[str, str] | None = None,
    ) -> StackReport:
        deployer = Deployer(
            self.endpoint_url, self.region, self.artifacts, provisioners.PROVISIONERS, self.progress
        )
        template = template or self.root / "template.yaml"
        if template.resolve() == (self.root / "template.yaml").resolve():
            parameters = {**self._console_parameters(), **(parameters or {})}
        report = deployer.deploy(template, stack_name, parameters)
        self.stacks[stack_name] = report
        # The console the stack serves, and its sign-ins, are the main stack's: another stack of the
        # template (a second environment beside it) leaves them as they are.
        if stack_name == ROOT_STACK and "ConsoleBucketName" in report.outputs:
            self.console = self._publish_console(report.outputs)
        return report

    def _console_parameters(self) -> dict[str, str]:
        """The web console's origin here (the control port, which serves the CloudFront edge) and
        the local origins its pages call: the API and the emulator (Cognito's stand-in)."""
        if self.control is None or self.api is None:
            return {}  # not started: deploy() fails on its own
        return {
            "ConsoleOrigin": self.control.url,
            "ConsoleConnectSources": f"{self.api.url} {self.endpoint_url}",
        }

    def _publish_console(self, outputs: dict[str, str]) -> console.LocalConsole | None:
        """The console's two sign-ins, and its pages in its bucket when they are built."""
        if self.control is None or self.api is None:
            return None
        config = published.settings(outputs, self.region, self.api.url, cognito_endpoint=self.endpoint_url)
        users = console.sign_ins(self.clients, outputs["ConsoleUserPoolId"], self.state_dir)
        if not published.publish(self.client("s3"), outputs["ConsoleBucketName"], config):
            self.progress("the console is not built (make console): its pages are not published")
            return console.LocalConsole(None, users)
        return console.LocalConsole(
            console.console_url(self.control.url, outputs["ConsoleDomainName"]), users
        )

    def write_state(self) -> StackState:
        state = StackState(
            endpoint_url=self.endpoint_url,
            region=self.region,
            api_url=self.api.url if self.api else None,
            control_url=self.control.url if self.control else None,
            stacks={name: report.to_json() for name, report in self.stacks.items()},
        )
        write_state(self.state_dir, state)
        return state

    def client(self, service: str) -> Any:
        return self.clients.client(service)

    def cdn_get(self, url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Fetched:
        """`url` (https://<distribution domain or alias>/<path>?<query>) as a browser would fetch it
        through CloudFront: (status, headers, body) as the local edge answers over the control port."""
        return fetch(self.control.url, url, method, headers)

    def settle(self, timeout: float = 30) -> bool:
        """Waits until no asynchronous invocation is queued or running (tests, the demo)."""
        return self.invoker.wait_idle(timeout)

    # --- the clock -----------------------------------------------------------------------------
    def tick(self, at: datetime | None = None) -> list[dict[str, Any]]:
        """Moves the clock to `at` (when given) and fires what is due at the clock's minute."""
        if at is not None:
            self.clock.set(at)
        return self.router.tick(self.clock.now())

    def advance_clock(self, seconds: float, settle_timeout: float = SETTLE_SECONDS) -> dict[str, Any]:
        """Moves the clock forward by `seconds`, minute by minute: at each minute boundary where a
        schedule is due, the clock stands at that minute, the schedules fire, and the work they
        start (invocations, workflows, queues, streams) finishes before time moves on, so what a
        firing does happens at its own time. Delayed queue messages (held sends) age with the clock:
        one due in a minute is delivered, and its work done, at that minute."""
        if seconds < 0:
            raise ValueError("the clock only advances; use set to move it back")
        # Work already under way finishes at the time it started in (a batch's deadline is read on
        # the clock: moving it mid-batch would cut the batch short); not workflows, which may be
        # waiting for the clock itself.
        settled = self.quiesce(settle_timeout, workflows=False)
        unsettled = [] if settled else [self.clock.now().isoformat()]
        target = self.clock.now() + timedelta(seconds=seconds)
        minute = self.clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
        fired: list[dict[str, Any]] = []
        while minute <= target:
            at = minute
            began = time.monotonic()
            if not self._age_to(at, settle_timeout):
                unsettled.append(at.isoformat())
            firing = self.router.tick(at, on_due=lambda at=at: self.clock.set(at))
            if firing:
                settled = self.quiesce(settle_timeout)
                seconds = round(time.monotonic() - began, 3)  # the firing and the work it started
                fired.extend({**f, "at": at.isoformat(), "seconds": seconds} for f in firing)
                if not settled:
                    unsettled.append(at.isoformat())
            minute += timedelta(minutes=1)
            unsettled.extend(self._deliver_delayed_before(min(minute, target), settle_timeout))
        if self.clock.now() < target and not self._age_to(target, settle_timeout):
            unsettled.append(target.isoformat())
        return {"now": self.clock.now(), "fired": fired, "unsettled": unsettled}

    def _age_to(self, at: datetime, settle_timeout: float) -> bool:
        """Sets the clock to `at`, delayed messages aging with it; whether the work of those that
        fell due finished."""
        step = (at - self.clock.now()).total_seconds()
        self.clock.set(at)
        reported = self.emulated.sms.release_due()  # carriers' late reports (UNKNOWN after 72 hours)
        return not (age_delayed_messages(step) or reported) or self.quiesce(settle_timeout)

    def _deliver_delayed_before(self, until: datetime, settle_timeout: float) -> list[str]:
        """Between minute boundaries the clock stops at each delayed message's own time, as SQS
        delivers it then (a send held until 08:01 and put back at 07:46:00.4 is due at 08:01:00.4,
        and is sent at 08:01, not at the next boundary)."""
        unsettled: list[str] = []
        while (wait := next_delayed_seconds()) is not None:
            due = self.clock.now() + timedelta(seconds=wait)
            if due >= until:
                break
            if not self._age_to(due, settle_timeout):
                unsettled.append(due.isoformat())
        return unsettled

    def quiet(self, workflows: bool = True) -> bool:
        """No invocation queued or running, every poller caught up, and (unless `workflows` is
        False) no workflow running."""
        return self.invoker.idle() and self.pollers.quiet() and not (workflows and _running_executions())

    def quiesce(self, timeout: float = SETTLE_SECONDS, workflows: bool = True) -> bool:
        """Waits until the stack is quiet twice in a row (a poller may be between reads)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.quiet(workflows):
                time.sleep(QUIET_RECHECK_SECONDS)
                if self.quiet(workflows):
                    return True
            time.sleep(QUIET_POLL_SECONDS)
        return False

    def _clock_control(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("reset"):
            return {"now": self.clock.reset()}
        if body.get("set"):
            return {"now": self.clock.set(parse_at(body["set"]))}
        if body.get("advance_seconds"):
            return self.advance_clock(
                float(body["advance_seconds"]), float(body.get("settle_timeout", SETTLE_SECONDS))
            )
        return {"now": self.clock.now(), "offset_seconds": self.clock.offset}

    def stop(self) -> None:
        for server in (self.api, self.control):
            if server is not None:
                server.stop()
        self.api = self.control = None
        if self.pollers is not None:
            self.pollers.stop()
        if self.invoker is not None:
            self.invoker.stop()
        if self._routing is not None:
            routing.unpatch_targets(self._routing)
            self._routing = None
        self.runtime.stop()
        patches.uninstall()
        ACTIVE.clear()
        if getattr(self, "enforcer", None) is not None:
            self.enforcer.simulator.close()
        if getattr(self, "clock", None) is not None:
            if self._clock_variable is None:
                os.environ.pop(CLOCK_FILE_VARIABLE, None)
            else:
                os.environ[CLOCK_FILE_VARIABLE] = self._clock_variable
        if self._server is not None:
            self._server.stop()
            self._server = None
        if LocalStack._running is self:
            LocalStack._running = None
