"""`engage journeys create|list|show|state|participants`: Pinpoint's journeys on the running stack,
through the same model and rules as the Pinpoint-compatible API (engage.journeys.model), with what
state changes set going (entry, the journey's clock, wakes)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from engage_cli.common import EXIT_USAGE, CommandError, emit, running_stack, stack_clients


def _participants(state: Any, stack: str) -> Any:
    from engage.adapters.dynamodb.participants import DynamoParticipants

    table = state.outputs(stack)["JourneyParticipantsTableName"]
    return DynamoParticipants(table, stack_clients(state).client("dynamodb"))


def _journeys(args: argparse.Namespace) -> Any:
    """The journey operations with what their state changes set going (entry, the journey's clock,
    wakes), as the API has them."""
    from engage import clock
    from engage.adapters.dynamodb.journeys import DynamoJourneyStore
    from engage.adapters.s3.objects import WorkflowStarter
    from engage.adapters.scheduler.journey_wakes import SchedulerJourneyWakes
    from engage.journeys.launch import Launcher
    from engage.journeys.model import Journeys

    state = running_stack(args)
    outputs, clients = state.outputs(args.stack), stack_clients(state)
    wakes = SchedulerJourneyWakes(
        clients.client("scheduler"),
        outputs["JourneyWakeGroupName"],
        outputs["JourneyWakeFunctionArn"],
        outputs["JourneyWakeRoleArn"],
        outputs["JourneyWakeDlqArn"],
    )
    entry = WorkflowStarter(clients.client("stepfunctions"), outputs["JourneyEntryWorkflowArn"])
    launcher = Launcher(_participants(state, args.stack), entry, wakes, clock.time)
    return Journeys(
        DynamoJourneyStore(outputs["JourneysTableName"], clients.client("dynamodb")),
        on_change=launcher.changed,
    )


def _line(journey: dict[str, Any]) -> str:
    activities = len(journey.get("Activities") or {})
    return f"journey {journey['Id']} ({journey['Name']}): {journey['State']}, {activities} activities"


def create(args: argparse.Namespace) -> int:
    try:
        request = json.loads(Path(args.file).read_text())
    except (OSError, ValueError) as exc:
        raise CommandError(f"{args.file}: {exc}", EXIT_USAGE, "BadRequest") from exc
    journey = _journeys(args).create(args.app, request)
    emit(args, journey, human=_line(journey))
    return 0


def listing(args: argparse.Namespace) -> int:
    journeys = _journeys(args).list(args.app)
    emit(args, journeys, human="\n".join(_line(j) for j in journeys) or "no journeys")
    return 0


def show(args: argparse.Namespace) -> int:
    emit(args, _journeys(args).get(args.app, args.journey_id))
    return 0


def set_state(args: argparse.Namespace) -> int:
    journey = _journeys(args).update_state(args.app, args.journey_id, {"State": args.state})
    emit(args, journey, human=_line(journey))
    return 0


def participants(args: argparse.Namespace) -> int:
    """Where each participant of a journey is: its status, the activity it is due at, its entries."""
    journey = _journeys(args).get(args.app, args.journey_id)
    found = [
        p.to_document() for p in _participants(running_stack(args), args.stack).all(args.app, journey["Id"])
    ]
    counts: dict[str, int] = {}
    for participant in found:
        counts[participant["Status"]] = counts.get(participant["Status"], 0) + 1
    lines = [
        f"{p['Participant']}: {p['Status']}"
        + (f" at {p['Activity']}" if p.get("Activity") else "")
        + (f" ({p['Reason']})" if p.get("Reason") else "")
        for p in found
    ]
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nobody"
    emit(
        args,
        {"JourneyId": journey["Id"], "Participants": found, "Counts": counts},
        human="\n".join([f"journey {journey['Id']}: {summary}", *lines]),
    )
    return 0


def register(areas: Any, common: argparse.ArgumentParser) -> None:
    journeys = areas.add_parser("journeys", help="journeys (Pinpoint's model)").add_subparsers(
        dest="command", required=True
    )
    creating = journeys.add_parser(
        "create", parents=[common], help="create a journey from a WriteJourneyRequest"
    )
    creating.add_argument("--app", required=True, help="application (project) id")
    creating.add_argument("--file", required=True, help="a JSON file holding Pinpoint's WriteJourneyRequest")
    creating.set_defaults(run=create)
    listed = journeys.add_parser("list", parents=[common], help="the application's journeys, oldest first")
    listed.add_argument("--app", required=True, help="application (project) id")
    listed.set_defaults(run=listing)
    shown = journeys.add_parser("show", parents=[common], help="one journey, as GetJourney answers it")
    shown.add_argument("--app", required=True, help="application (project) id")
    shown.add_argument("journey_id", help="the journey id")
    shown.set_defaults(run=show)
    stating = journeys.add_parser(
        "state", parents=[common], help="publish, pause, resume or cancel (UpdateJourneyState)"
    )
    stating.add_argument("--app", required=True, help="application (project) id")
    stating.add_argument("journey_id", help="the journey id")
    stating.add_argument("state", choices=["ACTIVE", "PAUSED", "CANCELLED"])
    stating.set_defaults(run=set_state)
    people = journeys.add_parser(
        "participants", parents=[common], help="where each participant of a journey is"
    )
    people.add_argument("--app", required=True, help="application (project) id")
    people.add_argument("journey_id", help="the journey id")
    people.set_defaults(run=participants)
