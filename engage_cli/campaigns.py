"""`engage campaign create|start|status|cancel|approve|reject`: campaigns and their runs on the
running stack.

A run is an execution of the campaign workflow named after the run id, so starting the same run
twice follows the first one instead of sending again."""

from __future__ import annotations

import argparse
import contextlib
import json
import uuid
from pathlib import Path
from typing import Any

from engage_cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    emit,
    job_store,
    progress,
    running_stack,
    stack_clients,
)

FINISHED = ("COMPLETED", "FAILED", "CANCELLED")
SEED_OPTIONS = {
    "sms_template": "SmsTemplateName",
    "email_template": "EmailTemplateName",
    "voice_template": "VoiceTemplateName",
    "push_template": "PushTemplateName",
}


def _campaigns(state: Any, stack: str) -> Any:
    from engage.adapters.dynamodb.campaigns import DynamoCampaignStore
    from engage.campaigns.model import Campaigns

    table = state.outputs(stack)["CampaignsTableName"]
    return Campaigns(DynamoCampaignStore(table, stack_clients(state).client("dynamodb")))


def _describe(activity: dict[str, Any]) -> str:
    counts = activity.get("Counts") or {}
    skipped = ", ".join(f"{n} {reason}" for reason, n in counts.items() if n and reason != "Queued")
    return (
        f"run {activity['Id']} of campaign {activity['CampaignId']}: {activity['State']}; "
        f"{activity['SuccessfulEndpointCount']} of {activity['TotalEndpointCount']} endpoints queued"
        + (f" ({skipped})" if skipped else "")
    )


def _activity(state: Any, stack: str, app: str, run_id: str) -> dict[str, Any]:
    from engage.campaigns.runs import activity

    run = job_store(state, stack).get(app, run_id)
    if run is None:
        raise CommandError(
            f"campaign run {run_id} does not exist in application {app}", EXIT_USAGE, "NotFound"
        )
    return activity(run)


def create(args: argparse.Namespace) -> int:
    try:
        request = json.loads(Path(args.file).read_text())
    except (OSError, ValueError) as exc:
        raise CommandError(f"{args.file}: {exc}", EXIT_USAGE, "BadRequest") from exc
    campaign = _campaigns(running_stack(args), args.stack).create(args.app, request)
    emit(
        args, campaign, human=f"campaign {campaign['Id']} ({campaign['Name']}) version {campaign['Version']}"
    )
    return 0


def start(args: argparse.Namespace) -> int:
    state = running_stack(args)
    seed = {key: getattr(args, option) for option, key in SEED_OPTIONS.items() if getattr(args, option)}
    if bool(args.campaign) == bool(args.segment):
        raise CommandError("give --campaign, or --segment with template names", EXIT_USAGE, "BadRequest")
    request = {"ApplicationId": args.app}
    request |= {"CampaignId": args.campaign} if args.campaign else {"SegmentId": args.segment, **seed}
    run_id = args.run_id or f"run-{uuid.uuid4().hex[:12]}"
    sfn = stack_clients(state).client("stepfunctions")
    workflow = state.outputs(args.stack)["CampaignWorkflowArn"]
    try:
        sfn.start_execution(stateMachineArn=workflow, name=run_id, input=json.dumps(request))
        progress(f"campaign run {run_id} started")
    except sfn.exceptions.ExecutionAlreadyExists:
        progress(f"campaign run {run_id} was started before: following it, sending nothing again")
    if not args.wait:
        emit(args, {"Id": run_id, "ApplicationId": args.app}, human=f"run {run_id} started")
        return 0
    done = _wait_for_run(state, args.stack, args.app, run_id, args.timeout)
    emit(args, done, human=_describe(done))
    return 0 if done["State"] in ("COMPLETED", "CANCELLED") else EXIT_FAILED


def status(args: argparse.Namespace) -> int:
    activity = _activity(running_stack(args), args.stack, args.app, args.run_id)
    emit(args, activity, human=_describe(activity))
    return 0


def cancel(args: argparse.Namespace) -> int:
    from engage.campaigns.runs import ACTIVE, activity
    from engage.errors import ConflictError

    state = running_stack(args)
    cancelled = job_store(state, args.stack).cancel(args.app, args.run_id, ACTIVE)
    if cancelled is None:
        current = _activity(state, args.stack, args.app, args.run_id)
        raise CommandError(
            f"run {args.run_id} is {current['State']}: nothing to cancel", EXIT_FAILED, "Conflict"
        )
    if (cancelled.get("Approval") or {}).get("Token"):  # a run awaiting approval: its chain ends now
        with contextlib.suppress(ConflictError):  # no longer awaited: the chain timed out and ends itself
            _task_answers(state).answer(cancelled["Approval"]["Token"], False, "cancelled")
    emit(args, activity(cancelled), human=f"run {args.run_id} cancelled: parts not yet run queue nothing")
    return 0


def approve(args: argparse.Namespace) -> int:
    return _answer(args, approved=True)


def reject(args: argparse.Namespace) -> int:
    return _answer(args, approved=False)


def _answer(args: argparse.Namespace, approved: bool) -> int:
    """Resumes a chain waiting on a run's approval: the campaign starts, or the run is cancelled."""
    from engage.campaigns.runs import ApprovalDecision
    from engage.errors import ConflictError, NotFoundError

    state = running_stack(args)
    decision = ApprovalDecision(job_store(state, args.stack), _task_answers(state).answer)
    try:
        run = decision.decide(args.app, args.run_id, approved, getattr(args, "reason", None))
    except (ConflictError, NotFoundError) as exc:
        raise CommandError(str(exc), EXIT_FAILED, "Conflict") from exc
    decision_text = "approved: the campaign starts" if approved else "rejected: the run is cancelled"
    emit(args, run, human=f"run {args.run_id} {decision_text}")
    return 0


def _task_answers(state: Any) -> Any:
    from engage.adapters.stepfunctions.tasks import TaskAnswers

    return TaskAnswers(stack_clients(state).client("stepfunctions"))


def _wait_for_run(state: Any, stack: str, app: str, run_id: str, timeout: float) -> dict[str, Any]:
    import time

    from engage.campaigns.runs import activity

    jobs, deadline = job_store(state, stack), time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = jobs.get(app, run_id)
        if run and run["JobStatus"] in FINISHED and run.get("CompletionDate"):
            return activity(run)
        time.sleep(0.2)
    raise CommandError(f"campaign run {run_id} did not finish within {timeout}s", EXIT_FAILED, "Timeout")


def register(areas: Any, common: argparse.ArgumentParser) -> None:
    campaign = areas.add_parser("campaign", help="campaigns and their runs").add_subparsers(
        dest="command", required=True
    )
    creating = campaign.add_parser(
        "create", parents=[common], help="create a campaign from a WriteCampaignRequest"
    )
    creating.add_argument("--app", required=True, help="application (project) id")
    creating.add_argument("--file", required=True, help="a JSON file holding Pinpoint's WriteCampaignRequest")
    creating.set_defaults(run=create)

    starting = campaign.add_parser(
        "start", parents=[common], help="run a campaign now (the campaign workflow)"
    )
    starting.add_argument("--app", required=True, help="application (project) id")
    starting.add_argument("--campaign", help="the campaign to run")
    starting.add_argument("--segment", help="or: a segment, sent the named templates (the seed's input)")
    for option in SEED_OPTIONS:
        starting.add_argument(f"--{option.replace('_', '-')}", dest=option, help="a template name")
    starting.add_argument(
        "--run",
        dest="run_id",
        help="the run id (default: a new one); starting a run again sends nothing twice",
    )
    starting.add_argument("--no-wait", dest="wait", action="store_false", help="return once started")
    starting.add_argument("--timeout", type=float, default=900, help="seconds to follow the run")
    starting.set_defaults(run=start)

    for name, run, what in (
        ("status", status, "a run's activity"),
        ("cancel", cancel, "cancel a run mid-way"),
        ("approve", approve, "approve a chained campaign run awaiting approval: it starts"),
        ("reject", reject, "reject a chained campaign run awaiting approval: it is cancelled"),
    ):
        command = campaign.add_parser(name, parents=[common], help=what)
        command.add_argument("--app", required=True, help="application (project) id")
        command.add_argument("run_id", help="the run id")
        if name == "reject":
            command.add_argument("--reason", help="why (kept in the chain's history)")
        command.set_defaults(run=run)
