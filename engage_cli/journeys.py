"""`engage journeys create|list|show|state`: Pinpoint's journeys on the running stack, through the
same model and rules as the Pinpoint-compatible API (engage.journeys.model)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from engage_cli.common import EXIT_USAGE, CommandError, emit, running_stack, stack_clients


def _journeys(args: argparse.Namespace) -> Any:
    from engage.adapters.dynamodb.journeys import DynamoJourneyStore
    from engage.journeys.model import Journeys

    state = running_stack(args)
    table = state.outputs(args.stack)["JourneysTableName"]
    return Journeys(DynamoJourneyStore(table, stack_clients(state).client("dynamodb")))


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
