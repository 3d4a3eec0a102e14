"""The `engage` command. Every command takes `--json`: one JSON document on stdout (progress and
logs go to stderr), and on failure `{"error": {"type": ..., "message": ...}}` with a non-zero exit
(1: the operation failed, 2: no local stack is running or the command line is wrong)."""

from __future__ import annotations

import argparse
import base64
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from engage import clock
from engage.errors import EngageError

from engage_cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    emit,
    job_store,
    progress,
    running_stack,
    stack_clients,
    state_dir,
)
from engage_local.state import NotRunningError


# --- engage local ------------------------------------------------------------------------------
def local_up(args: argparse.Namespace) -> int:
    from engage_local.deploy import DeployError
    from engage_local.stack import LocalStack
    from engage_local.state import clear_state

    directory = state_dir(args)
    stack = LocalStack(state_dir=directory, progress=progress, port=args.port)
    parameters = parameter_overrides(args.parameter_overrides)

    stopping = threading.Event()

    def stop(*_: object) -> None:  # the first signal stops it, even mid-start or mid-deploy
        stopping.set()
        raise StopRequested

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    try:
        stack.start()
        report = stack.deploy(Path(args.template) if args.template else None, args.stack_name, parameters)
        state = stack.write_state()
        console_url = stack.console.url if stack.console else None
        emit(
            args,
            {
                "endpoint_url": state.endpoint_url,
                "api_url": state.api_url,
                "console_url": console_url,
                "console_users": str(directory / "console-users.json") if stack.console else None,
                "region": state.region,
                "state_file": str(directory / "stack.json"),
                "stacks": list(state.stacks),
                "resources": report.all_resources(),
                "startup_seconds": round(stack.started_seconds or 0, 3),
            },
            human=f"local stack ready\n  endpoint: {state.endpoint_url}\n"
            f"  API:      {state.api_url}\n"
            + (
                f"  console:  {console_url}\n            sign-ins in {directory / 'console-users.json'}\n"
                if console_url
                else ""
            )
            + f"  stack:    {args.stack_name} ({report.all_resources()} resources)\n"
            "  Ctrl-C stops it.",
        )
        threading.Event().wait()  # until a signal
    except StopRequested:
        progress("stopping")
    except DeployError as exc:
        if stopping.is_set():  # the signal arrived inside the deploy, which reported it as its failure
            progress("stopping")
        else:
            raise CommandError(f"the deploy failed: {exc}", EXIT_FAILED, "DeployFailed") from None
    finally:
        clear_state(directory)
        stack.stop()
    return 0


class StopRequested(Exception):
    """SIGINT or SIGTERM: stop the local stack."""


def parameter_overrides(pairs: list[str] | None) -> dict[str, str]:
    """`K=V` pairs as `sam deploy --parameter-overrides` takes them (a value may contain `=`;
    `ParameterKey=K,ParameterValue=V` works too)."""
    parameters = {}
    for pair in pairs or ():
        if pair.startswith("ParameterKey="):
            key, _, value = pair.removeprefix("ParameterKey=").partition(",ParameterValue=")
        else:
            key, separator, value = pair.partition("=")
            if not separator:
                raise CommandError(f"{pair!r} is not KEY=VALUE", EXIT_USAGE)
        if not key:
            raise CommandError(f"{pair!r} names no parameter", EXIT_USAGE)
        parameters[key] = value
    return parameters


def local_invoke(args: argparse.Namespace) -> int:
    from engage_local.state import read_state

    state = read_state(state_dir(args))
    try:
        name = state.physical_id(args.function, args.stack, "AWS::Lambda::Function")
    except LookupError as exc:
        raise CommandError(str(exc), EXIT_USAGE, "NotFound") from None
    event = json.loads(Path(args.event).read_text()) if args.event else {}
    response = (
        stack_clients(state)
        .client("lambda")
        .invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
    )
    payload_text = response["Payload"].read().decode()
    payload = json.loads(payload_text) if payload_text else None
    logs = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
    document = {
        "function": args.function,
        "function_name": name,
        "status_code": response["StatusCode"],
        "function_error": response.get("FunctionError"),
        "payload": payload,
        "logs": logs,
    }
    if not args.json:
        print(logs, file=sys.stderr, end="" if logs.endswith("\n") else "\n")
    emit(args, document, human=json.dumps(payload, indent=2))
    return EXIT_FAILED if response.get("FunctionError") else 0


def local_tick(args: argparse.Namespace) -> int:
    fired = _control(running_stack(args), "tick", {"at": args.at})["fired"]
    emit(args, {"at": args.at, "fired": fired}, human="\n".join(map(_fired_line, fired)) or "nothing was due")
    return 0


def _fired_line(fired: dict[str, Any]) -> str:
    at = f"{fired['at']} " if fired.get("at") else ""
    return f"{at}{fired['kind']} {fired['name']} ({fired['expression']}) -> {', '.join(fired['targets'])}"


DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> float:
    """`90`, `45s`, `30m`, `36h` or `2d` as seconds."""
    unit = text[-1:].lower()
    number = text[:-1] if unit in DURATION_UNITS else text
    try:
        seconds = float(number) * DURATION_UNITS.get(unit, 1)
    except ValueError:
        raise CommandError(f"{text!r} is not a duration (e.g. 90, 45s, 30m, 36h, 2d)", EXIT_USAGE) from None
    if seconds <= 0:
        raise CommandError("the clock only advances: give a positive duration", EXIT_USAGE)
    return seconds


def local_clock(args: argparse.Namespace) -> int:
    """Shows or drives the local stack's clock (engage.clock): what every schedule, quiet-time check,
    cap window and token expiry of the stack reads."""
    body: dict[str, Any] = {}
    timeout = 60.0
    if args.clock_command == "set":
        body = {"set": args.moment}
    elif args.clock_command == "advance":
        seconds = duration_seconds(args.duration)
        body = {"advance_seconds": seconds, "settle_timeout": args.settle_timeout}
        timeout = None  # each firing on the way waits for its work: as long as that takes
    elif args.clock_command == "reset":
        body = {"reset": True}
    answer = _control(running_stack(args), "clock", body, timeout)
    fired = answer.get("fired") or []
    human = [f"now {answer['now']}", *map(_fired_line, fired)]
    if answer.get("unsettled"):
        human.append(f"still busy after firings at: {', '.join(answer['unsettled'])}")
    emit(args, answer, human="\n".join(human))
    return 0


# --- engage import / jobs -----------------------------------------------------------------------
def import_file(args: argparse.Namespace) -> int:
    from engage.audience.imports.reader import ImportFormatError, read_endpoints, summarize

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path} is not a file", EXIT_USAGE, "BadRequest")
    if args.dry_run:
        try:
            with path.open("rb") as stream:
                summary = summarize(read_endpoints(stream))
        except ImportFormatError as exc:
            raise CommandError(
                f"{path.name} can't be imported: {exc.reason}", EXIT_FAILED, "ImportFormatError"
            ) from None
        lines = [f"line {f['line']}: {f['reason']}" for f in summary.failures]
        emit(
            args,
            summary.to_json(),
            human=f"{summary.processed} processed, {summary.accepted} accepted, "
            f"{summary.rejected} rejected" + "".join(f"\n  {line}" for line in lines),
        )
        return 0
    job = _run_import(args, path)
    emit(
        args,
        job,
        human=f"job {job['Id']}: {job['JobStatus']}, {job['TotalProcessed']} processed, "
        f"{job['TotalFailures']} rejected" + "".join(f"\n  {f}" for f in job.get("Failures", [])),
    )
    return 0 if job["JobStatus"] == "COMPLETED" else EXIT_FAILED


def _run_import(args: argparse.Namespace, path: Path) -> dict[str, Any]:

    from engage.audience.imports.job import ImportSource

    state = running_stack(args)
    outputs, clients = state.outputs(args.stack), stack_clients(state)
    bucket, key = outputs["ImportBucketName"], f"imports/{args.app}/{path.name}"
    s3 = clients.client("s3")
    s3.upload_file(str(path), bucket, key)
    head = s3.head_object(Bucket=bucket, Key=key)
    source = ImportSource(bucket, key, f"{head.get('VersionId') or 'null'}/{head['ETag'].strip(chr(34))}")
    progress(f"uploaded s3://{bucket}/{key}; job {source.job_id}")
    jobs, deadline, shown = job_store(state, args.stack), time.monotonic() + args.timeout, None
    while time.monotonic() < deadline:
        job = jobs.get(args.app, source.job_id)
        if job and (job["JobStatus"], job["CompletedPieces"]) != shown:
            shown = (job["JobStatus"], job["CompletedPieces"])
            progress(
                f"{job['JobStatus']}: {job['CompletedPieces']}/{job['TotalPieces']} chunks, "
                f"{job['TotalProcessed']} records"
            )
        if job and job["JobStatus"] in ("COMPLETED", "FAILED"):
            return job
        time.sleep(0.2)
    raise CommandError(f"job {source.job_id} did not finish within {args.timeout}s", EXIT_FAILED, "Timeout")


def _job_target(definition: dict[str, Any]) -> str:
    """What a job reads or writes: an import's file, an export's prefix, a validation's segment."""
    return str(
        definition.get("S3Url") or definition.get("S3UrlPrefix") or definition.get("SegmentId") or "all"
    )


def jobs_list(args: argparse.Namespace) -> int:
    jobs = job_store(running_stack(args), args.stack).list(args.app)
    lines = [
        f"{j['CreationDate']}  {j['Id']}  {j['Type']}  {j['JobStatus']}  {j['TotalProcessed']} processed, "
        f"{j['TotalFailures']} rejected  {_job_target(j['Definition'])}"
        for j in jobs
    ]
    emit(args, jobs, human="\n".join(lines) or "no jobs")
    return 0


# --- engage segments / validate ----------------------------------------------------------------
def _segments(state: Any, stack: str) -> Any:
    from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
    from engage.adapters.dynamodb.segments import DynamoSegmentStore
    from engage.adapters.s3.objects import ObjectStore, S3MemberLists
    from engage.segments.service import Segments

    outputs, factory = state.outputs(stack), stack_clients(state)
    dynamodb = factory.client("dynamodb")
    return Segments(
        DynamoSegmentStore(outputs["SegmentsTableName"], dynamodb),
        DynamoEndpointRepository(outputs["ContactsTableName"], dynamodb),
        S3MemberLists(ObjectStore(factory.client("s3"))),
    )


def _describe(segment: dict[str, Any]) -> str:
    size = (segment.get("ImportDefinition") or {}).get("Size")
    return f"{segment['Id']}  {segment['SegmentType']}  {segment['Name']}" + (
        f"  ({size} imported)" if size is not None else ""
    )


def segments_list(args: argparse.Namespace) -> int:
    found = _segments(running_stack(args), args.stack).list(args.app)
    emit(args, found, human="\n".join(_describe(s) for s in found) or "no segments")
    return 0


def segments_show(args: argparse.Namespace) -> int:
    emit(args, _segments(running_stack(args), args.stack).get(args.app, args.segment))
    return 0


def segments_create(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        request = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CommandError(
            f"{path} is not a JSON WriteSegmentRequest: {exc}", EXIT_USAGE, "BadRequest"
        ) from None
    segment = _segments(running_stack(args), args.stack).create(args.app, request)
    emit(args, segment, human=_describe(segment))
    return 0


def segments_estimate(args: argparse.Namespace) -> int:
    found = _segments(running_stack(args), args.stack).estimate(args.app, args.segment, args.sample_shards)
    per_channel = ", ".join(f"{c} {n}" for c, n in found["ChannelCounts"].items()) or "none"
    emit(
        args,
        found,
        human=f"{found['Name']}: {'' if found['Exact'] else 'about '}{found['Size']} endpoints "
        f"({per_channel}); {found['ShardsRead']} shards read in {found['Seconds']}s",
    )
    return 0


def segments_export(args: argparse.Namespace) -> int:
    from engage.segments.export import new_export_job

    state = running_stack(args)
    outputs, factory = state.outputs(args.stack), stack_clients(state)
    _segments(state, args.stack).get(args.app, args.segment)  # a clear NotFound before any job
    prefix = args.prefix or f"s3://{outputs['ImportBucketName']}/exports/{args.app}/"
    job = new_export_job(args.app, {"S3UrlPrefix": prefix, "SegmentId": args.segment})
    jobs = job_store(state, args.stack)
    jobs.create(job)
    factory.client("lambda").invoke(
        FunctionName=outputs["SegmentExportFunctionName"], InvocationType="Event", Payload=json.dumps(job)
    )
    progress(f"export job {job['Id']} started")
    done = _wait_for_job(jobs, args.app, job["Id"], args.timeout)
    emit(
        args,
        done,
        human=f"job {done['Id']}: {done['JobStatus']}, {done['TotalProcessed']} endpoints in "
        f"{done['TotalPieces']} part(s) under {prefix}{done['Id']}/"
        + "".join(f"\n  {f}" for f in done.get("Failures", [])),
    )
    return 0 if done["JobStatus"] == "COMPLETED" else EXIT_FAILED


def validate(args: argparse.Namespace) -> int:
    import uuid

    from engage.audience.phone.runs import summary

    state = running_stack(args)
    outputs, factory = state.outputs(args.stack), stack_clients(state)
    request = {"ApplicationId": args.app, **({"SegmentId": args.segment} if args.segment else {})}
    run_id = f"validate-{uuid.uuid4().hex[:12]}"
    sfn = factory.client("stepfunctions")
    execution = sfn.start_execution(
        stateMachineArn=outputs["ValidationWorkflowArn"], name=run_id, input=json.dumps(request)
    )["executionArn"]
    progress(f"validation run {run_id} started")
    ended = _wait_for_execution(sfn, execution, args.timeout)
    record = job_store(state, args.stack).get(args.app, run_id)
    if record is None or record["JobStatus"] not in ("COMPLETED", "FAILED"):
        raise CommandError(  # the run stopped before it could keep a record (a bad request)
            f"validation run {run_id} {ended['status']}: {ended.get('error')}: {ended.get('cause')}",
            EXIT_FAILED,
            "ValidationFailed",
        )
    run = summary(record)
    emit(
        args,
        run,
        human=f"run {run_id}: {run['JobStatus']}; {run['endpoints']} endpoints, {run['validated']} "
        f"validated, {run['invalid']} invalid, {run['cache_hits']} cache hits, {run['api_calls']} "
        f"PhoneNumberValidate calls ({run['throttled']} throttled), {run['failed']} failed",
    )
    return 0 if run["JobStatus"] == "COMPLETED" else EXIT_FAILED


def _wait_for_execution(sfn: Any, execution_arn: str, timeout: float) -> dict[str, Any]:

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.2)
    raise CommandError(f"{execution_arn} did not finish within {timeout}s", EXIT_FAILED, "Timeout")


def _wait_for_job(jobs: Any, app: str, job_id: str, timeout: float) -> dict[str, Any]:

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.get(app, job_id)
        if job and job["JobStatus"] in ("COMPLETED", "FAILED"):
            return job
        time.sleep(0.2)
    raise CommandError(f"job {job_id} did not finish within {timeout}s", EXIT_FAILED, "Timeout")


# --- engage outbox ----------------------------------------------------------------------------
def outbox_list(args: argparse.Namespace) -> int:
    state = running_stack(args)
    entries = _control(state, "outbox", {"service": args.service, "operation": args.operation})["entries"]
    lines = []
    for entry in entries:
        outcome = f"error {entry['error']['code']}" if "error" in entry else "ok"
        fault = f"  fault={entry['fault']}" if entry.get("fault") else ""
        lines.append(f"{entry['time']}  {entry['service']}.{entry['operation']}  {outcome}{fault}")
    emit(args, entries, human="\n".join(lines) or "the outbox is empty")
    return 0


def _control(state: Any, action: str, body: dict[str, Any], timeout: float | None = 60) -> dict[str, Any]:
    import requests

    response = requests.post(
        f"{state.control_url}/{action}",
        json={k: v for k, v in body.items() if v is not None},
        timeout=timeout,
    )
    if response.status_code != 200:
        raise CommandError(response.json().get("error", response.text), EXIT_USAGE, "BadRequest")
    return response.json()


# --- engage suppression -------------------------------------------------------------------------
def suppression_list(args: argparse.Namespace) -> int:
    from engage.adapters.dynamodb.suppression import DynamoSuppressionList
    from engage.redact import redact

    state = running_stack(args)
    table = state.outputs(args.stack)["SuppressionTableName"]
    entries = [
        {
            "Address": entry.address,
            "ChannelType": entry.channel.value,
            "Reason": entry.reason.value,
            "Source": entry.source,
            "FeedbackId": entry.feedback_id,
            "SuppressedAt": entry.suppressed_at,
        }
        for entry in DynamoSuppressionList(table, stack_clients(state).client("dynamodb")).list(args.app)
    ]
    lines = [
        redact(f"{e['SuppressedAt']}  {e['ChannelType']:5}  {e['Address']}  {e['Reason']} ({e['Source']})")
        for e in entries
    ]
    emit(args, entries, human="\n".join(lines) or f"nothing is suppressed in application {args.app}")
    return 0


# --- engage pixel ------------------------------------------------------------------------------
def pixel_token(args: argparse.Namespace) -> int:
    """A token that lets the GTM pixel set an endpoint's allowed user attributes (what a shop's
    backend does with engage.pixel.model.mint_token for a signed-in visitor)."""
    from engage.adapters.secretsmanager.secrets import signing_keys
    from engage.pixel.model import mint_token

    state = running_stack(args)
    outputs = state.outputs(args.stack)
    if "PixelSecretArn" not in outputs:
        raise CommandError("this stack has no pixel (deploy it with PixelApplicationId set)")
    keys = signing_keys(stack_clients(state).client("secretsmanager"), outputs["PixelSecretArn"])
    now = clock.time()  # the stack's clock: a token for a stack whose clock was moved is in date there
    token = mint_token(keys, outputs["PixelApplicationId"], args.endpoint, args.ttl, now)
    document = {
        "Token": token,
        "ApplicationId": outputs["PixelApplicationId"],
        "EndpointId": args.endpoint,
        "ExpiresAt": int(now) + args.ttl,
    }
    emit(args, document, human=token)
    return 0


# --- engage consent ----------------------------------------------------------------------------
def consent_get(args: argparse.Namespace) -> int:
    from engage.adapters.dynamodb.consent import DynamoConsentStore
    from engage.redact import redact

    state = running_stack(args)
    store = DynamoConsentStore(
        state.outputs(args.stack)["ConsentTableName"], stack_clients(state).client("dynamodb")
    )
    channels = args.channel or (["EMAIL"] if "@" in args.address else ["SMS", "VOICE"])

    def described(record: Any) -> dict[str, Any]:
        return {
            "Status": record.status.value,
            "Source": record.source,
            "RecordedAt": record.recorded_at,
            "SourceMessageId": record.source_message_id,
        }

    decisions = []
    for channel in channels:
        current = store.get(args.app, channel, args.address)
        decisions.append(
            {
                "ChannelType": channel,
                "Address": args.address,
                **(described(current) if current else {"Status": "NO_DECISION"}),
                "History": [described(r) for r in store.history(args.app, channel, args.address)],
            }
        )
    lines = [
        redact(f"{d['ChannelType']:5}  {d['Address']}  {d['Status']}")
        + (f" since {d['RecordedAt']} ({d['Source']})" if d["Status"] != "NO_DECISION" else "")
        for d in decisions
    ]
    emit(args, decisions, human="\n".join(lines))
    return 0


# --- engage contacts ---------------------------------------------------------------------------
def contacts_get(args: argparse.Namespace) -> int:
    from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
    from engage.contacts import ContactStore

    from engage_local.state import read_state

    state = read_state(state_dir(args))
    factory = stack_clients(state)
    store = ContactStore(
        DynamoEndpointRepository(state.outputs(args.stack)["ContactsTableName"], factory.client("dynamodb"))
    )
    if args.endpoint:
        document: Any = store.get(args.app, args.endpoint)
    elif args.user:
        document = store.get_user_endpoints(args.app, args.user)
    else:
        channel = args.channel or ("EMAIL" if "@" in args.address else "SMS")
        document = store.find_by_address(args.app, channel, args.address)
    emit(args, document)
    return 0


# --- engage erase ------------------------------------------------------------------------------
def erase_person(args: argparse.Namespace) -> int:
    """Runs the stack's ErasureFunction: what a data-subject request on AWS runs too."""
    state = running_stack(args)
    event = {
        "ApplicationId": args.app,
        "EndpointId": args.endpoint,
        "UserId": args.user,
        "Address": args.address,
        "ChannelType": args.channel,
    }
    response = (
        stack_clients(state)
        .client("lambda")
        .invoke(
            FunctionName=state.outputs(args.stack)["ErasureFunctionName"],
            Payload=json.dumps({k: v for k, v in event.items() if v}).encode(),
        )
    )
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise CommandError(f"the erasure failed: {payload}")
    if isinstance(payload, dict) and "Error" in payload:
        raise CommandError(payload["Error"]["Message"], EXIT_FAILED, payload["Error"]["Type"])
    human = (
        f"erased {len(payload['ErasedEndpoints'])} endpoint(s), "
        f"{payload['ArchivedMessagesDeleted']} archived message(s), "
        f"{payload['ConsentRecordsDeleted']} consent record(s); "
        f"{payload['SuppressionsHashed']} address(es) kept suppressed as a keyed hash only"
    )
    emit(args, payload, human=human)
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    common.add_argument(
        "--state-dir", help="where the running local stack keeps its state (default .engage-local)"
    )
    common.add_argument("--stack", default="engage", help="the deployed stack to act on (default: engage)")

    root = argparse.ArgumentParser(prog="engage", description="Operate the engagement stack.")
    areas = root.add_subparsers(dest="area", required=True)

    local = areas.add_parser("local", help="the local stack (no AWS account, no Docker)").add_subparsers(
        dest="command", required=True
    )
    up = local.add_parser(
        "up", parents=[common], help="start the local stack and deploy the template (foreground)"
    )
    up.add_argument("--template", help="template to deploy (default: template.yaml)")
    up.add_argument("--stack-name", default="engage")
    up.add_argument("--port", type=int, help="emulator port (default: a free one)")
    up.add_argument(
        "--parameter-overrides",
        nargs="+",
        metavar="KEY=VALUE",
        help="template parameters, as `sam deploy --parameter-overrides` takes them",
    )
    up.set_defaults(run=local_up)
    invoke = local.add_parser(
        "invoke", parents=[common], help="invoke a deployed function, as `sam local invoke`"
    )
    invoke.add_argument(
        "function", help="FunctionLogicalId for root functions, App/FunctionLogicalId for nested"
    )
    invoke.add_argument("--event", help="JSON event file (default: {})")
    invoke.set_defaults(run=local_invoke)
    tick = local.add_parser(
        "tick", parents=[common], help="move the clock to a time (default: leave it) and fire what is due"
    )
    tick.add_argument("--at", help="ISO 8601 time, UTC unless it says otherwise (e.g. 2026-12-01T06:00:00Z)")
    tick.set_defaults(run=local_tick)
    clock = local.add_parser("clock", help="the local stack's clock").add_subparsers(
        dest="clock_command", required=True
    )
    clock.add_parser("show", parents=[common], help="the clock's time").set_defaults(run=local_clock)
    clock_set = clock.add_parser(
        "set", parents=[common], help="move the clock to a time; it runs on from there"
    )
    clock_set.add_argument("moment", help="ISO 8601 time, UTC unless it says otherwise")
    clock_set.set_defaults(run=local_clock)
    clock_advance = clock.add_parser(
        "advance",
        parents=[common],
        help="move the clock forward, firing each schedule at its minute and letting its work finish",
    )
    clock_advance.add_argument("duration", help="90, 45s, 30m, 36h or 2d")
    clock_advance.add_argument(
        "--settle-timeout", type=float, default=60, help="seconds a firing's work may take (default 60)"
    )
    clock_advance.set_defaults(run=local_clock)
    clock.add_parser("reset", parents=[common], help="back to the system's time").set_defaults(
        run=local_clock
    )

    importing = areas.add_parser("import", parents=[common], help="import a Pinpoint CSV or JSON-lines file")
    importing.add_argument("file")
    importing.add_argument("--app", default="default", help="application (project) id (default: default)")
    importing.add_argument(
        "--dry-run", action="store_true", help="parse and validate only; nothing is uploaded"
    )
    importing.add_argument("--timeout", type=float, default=600, help="seconds to follow the job")
    importing.set_defaults(run=import_file)
    jobs = areas.add_parser("jobs", help="import and export jobs").add_subparsers(
        dest="command", required=True
    )
    jobs_listing = jobs.add_parser("list", parents=[common], help="jobs, oldest first")
    jobs_listing.add_argument("--app", help="only this application's jobs")
    jobs_listing.set_defaults(run=jobs_list)

    segments = areas.add_parser("segments", help="segments: definitions, sizes, exports").add_subparsers(
        dest="command", required=True
    )
    seg_list = segments.add_parser("list", parents=[common], help="the application's segments")
    seg_list.set_defaults(run=segments_list)
    seg_show = segments.add_parser("show", parents=[common], help="one segment's definition")
    seg_show.set_defaults(run=segments_show)
    seg_estimate = segments.add_parser("estimate", parents=[common], help="a segment's size per channel")
    seg_estimate.add_argument(
        "--sample-shards", type=int, help="count this many of the store's 8 shards and scale up (quick)"
    )
    seg_estimate.set_defaults(run=segments_estimate)
    seg_create = segments.add_parser(
        "create", parents=[common], help="a dimensional segment from a JSON file"
    )
    seg_create.add_argument("--file", required=True, help="Pinpoint's WriteSegmentRequest as JSON")
    seg_create.set_defaults(run=segments_create)
    seg_export = segments.add_parser(
        "export", parents=[common], help="a segment to S3 as gzipped JSON lines (an export job)"
    )
    seg_export.add_argument(
        "--prefix", help="s3://bucket/prefix/ (default: the stack's bucket, exports/<app>/)"
    )
    seg_export.add_argument("--timeout", type=float, default=600, help="seconds to follow the job")
    seg_export.set_defaults(run=segments_export)
    for command in (seg_list, seg_show, seg_estimate, seg_create, seg_export):
        command.add_argument("--app", required=True, help="application (project) id")
    for command in (seg_show, seg_estimate, seg_export):
        command.add_argument("segment", help="segment id")

    validating = areas.add_parser(
        "validate", parents=[common], help="validate phone numbers (the validation workflow) and wait"
    )
    validating.add_argument("--app", required=True, help="application (project) id")
    validating.add_argument("--segment", help="only this segment's endpoints (default: the application's)")
    validating.add_argument("--timeout", type=float, default=900, help="seconds to follow the run")
    validating.set_defaults(run=validate)

    outbox = areas.add_parser("outbox", help="what the emulated services received").add_subparsers(
        dest="command", required=True
    )
    listing = outbox.add_parser("list", parents=[common], help="every request, in order")
    listing.add_argument("--service", help="botocore service name, e.g. sesv2, pinpoint-sms-voice-v2")
    listing.add_argument("--operation", help="e.g. SendEmail")
    listing.set_defaults(run=outbox_list)

    suppressed = areas.add_parser("suppression", help="the suppression list").add_subparsers(
        dest="command", required=True
    )
    listing_suppressed = suppressed.add_parser(
        "list", parents=[common], help="an application's suppressed addresses, oldest first, and why"
    )
    listing_suppressed.add_argument("--app", required=True, help="application (project) id")
    listing_suppressed.set_defaults(run=suppression_list)

    pixel = areas.add_parser("pixel", help="the GTM tracking pixel").add_subparsers(
        dest="command", required=True
    )
    token = pixel.add_parser(
        "token", parents=[common], help="a signed token letting the pixel set an endpoint's user attributes"
    )
    token.add_argument("--endpoint", required=True, help="the endpoint id the token is for")
    token.add_argument("--ttl", type=int, default=3600, help="seconds the token is valid (default 3600)")
    token.set_defaults(run=pixel_token)

    consent = areas.add_parser("consent", help="the consent store").add_subparsers(
        dest="command", required=True
    )
    getting_consent = consent.add_parser(
        "get", parents=[common], help="an address's consent decision per channel, and its history"
    )
    getting_consent.add_argument("--app", required=True, help="application (project) id")
    getting_consent.add_argument("--address", required=True, help="an email address or E.164 phone number")
    getting_consent.add_argument(
        "--channel",
        action="append",
        choices=["EMAIL", "SMS", "VOICE"],
        help="repeatable; default EMAIL for an email address, else SMS and VOICE",
    )
    getting_consent.set_defaults(run=consent_get)

    contacts = areas.add_parser("contacts", help="the contact store").add_subparsers(
        dest="command", required=True
    )
    get = contacts.add_parser("get", parents=[common], help="endpoints by id, user or address")
    get.add_argument("--app", required=True, help="application (project) id")
    which = get.add_mutually_exclusive_group(required=True)
    which.add_argument("--endpoint", help="an endpoint id")
    which.add_argument("--user", help="a user id: all the user's endpoints")
    which.add_argument("--address", help="an email address or phone number, in any spelling")
    get.add_argument(
        "--channel", help="channel of --address (default: EMAIL when it has @, else SMS and VOICE)"
    )
    get.set_defaults(run=contacts_get)

    erasing = areas.add_parser(
        "erase",
        parents=[common],
        help="erase a person: endpoints, archive, consent; only a keyed hash stays suppressed",
    )
    erasing.add_argument("--app", required=True, help="application (project) id")
    whom = erasing.add_mutually_exclusive_group(required=True)
    whom.add_argument("--endpoint", help="one endpoint id")
    whom.add_argument("--user", help="a user id: every endpoint of the user")
    whom.add_argument("--address", help="an email address or phone number: its endpoints and ad hoc sends")
    erasing.add_argument("--channel", help="channel of --address (default: EMAIL with @, else SMS and VOICE)")
    erasing.set_defaults(run=erase_person)

    from engage_cli import apps, campaigns, copying, events, journeys  # they build on this module's helpers

    apps.register(areas, common)
    campaigns.register(areas, common)
    journeys.register(areas, common)
    copying.register(areas, common)
    events.register(areas, common)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except NotRunningError as exc:
        return _fail(args, CommandError(str(exc), EXIT_USAGE, "NotRunning"))
    except CommandError as exc:
        return _fail(args, exc)
    except EngageError as exc:
        return _fail(args, CommandError(str(exc), EXIT_FAILED, exc.pinpoint_type))
    except ClientError as exc:  # the API's answer (NotFoundException, BadRequestException, ...)
        error = exc.response.get("Error", {})
        return _fail(
            args, CommandError(error.get("Message", str(exc)), EXIT_FAILED, error.get("Code", "Error"))
        )


def _fail(args: argparse.Namespace, error: CommandError) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": {"type": error.kind, "message": str(error)}}), flush=True)
    print(f"engage: {error}", file=sys.stderr, flush=True)
    return error.code


if __name__ == "__main__":
    sys.exit(main())
