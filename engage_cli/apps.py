"""`engage apps`: Pinpoint's applications (projects) on the running local stack, through its
Pinpoint-compatible API: create (optionally keeping a Pinpoint project's id), list, show (a
deleted application shows how the removal of its data stands) and delete."""

from __future__ import annotations

import argparse
import time
from typing import Any

from engage.applications import KEEP_ID_TAG

from engage_cli.common import EXIT_USAGE, CommandError, emit, running_stack, stack_clients


def _api(args: argparse.Namespace) -> tuple[Any, Any]:
    state = running_stack(args)
    factory = stack_clients(state)
    return state, factory.pinpoint_api(state.api_url, state.region)


def _tags(pairs: list[str] | None) -> dict[str, str]:
    tags = {}
    for pair in pairs or []:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise CommandError(f"a tag is KEY=VALUE, not {pair!r}", EXIT_USAGE, "BadRequest")
        tags[key] = value
    return tags


def create(args: argparse.Namespace) -> int:
    _state, pinpoint = _api(args)
    tags = _tags(args.tag)
    if args.id:
        tags[KEEP_ID_TAG] = args.id
    application = pinpoint.create_app(CreateApplicationRequest={"Name": args.name, "tags": tags})[
        "ApplicationResponse"
    ]
    emit(args, application, human=f"{application['Id']}  {application['Name']}  {application['Arn']}")
    return 0


def listing(args: argparse.Namespace) -> int:
    _state, pinpoint = _api(args)
    applications, token = [], None
    while True:
        page = pinpoint.get_apps(PageSize="100", **({"Token": token} if token else {}))[
            "ApplicationsResponse"
        ]
        applications.extend(page.get("Item", []))
        token = page.get("NextToken")
        if not token:
            break
    lines = [f"{a['Id']}  {a['CreationDate']}  {a['Name']}" for a in applications]
    emit(args, applications, human="\n".join(lines) or "no applications")
    return 0


def show(args: argparse.Namespace) -> int:
    state, pinpoint = _api(args)
    try:
        application = pinpoint.get_app(ApplicationId=args.application)["ApplicationResponse"]
    except pinpoint.exceptions.NotFoundException:
        return _show_deleted(args, state)
    settings = pinpoint.get_application_settings(ApplicationId=args.application)[
        "ApplicationSettingsResource"
    ]
    document = {**application, "Settings": settings}
    human = [f"{application['Id']}  {application['Name']}", f"  created {application['CreationDate']}"]
    human += [f"  {k}: {v}" for k, v in settings.items() if k not in ("ApplicationId",)]
    emit(args, document, human="\n".join(human))
    return 0


def _deleted_record(args: argparse.Namespace, state: Any) -> dict[str, Any] | None:
    from engage.adapters.dynamodb.applications import DynamoApplicationStore

    store = DynamoApplicationStore(
        state.outputs(args.stack)["ApplicationsTableName"], stack_clients(state).client("dynamodb")
    )
    record = store.get(args.application)
    return record if record and record.get("deleted") else None


def _show_deleted(args: argparse.Namespace, state: Any) -> int:
    record = _deleted_record(args, state)
    if record is None:
        raise CommandError(f"application {args.application} does not exist", 1, "NotFoundException")
    removal = record.get("removal") or {}
    document = {**record["application"], "Deleted": record["deleted"], "Removal": removal}
    removed = sum((removal.get("Removed") or {}).values())
    emit(
        args,
        document,
        human=f"{args.application} was deleted at {record['deleted']}; removal of its data: "
        f"{removal.get('Status', 'not started')} ({removed} items and objects removed)",
    )
    return 0


def delete(args: argparse.Namespace) -> int:
    state, pinpoint = _api(args)
    application = pinpoint.delete_app(ApplicationId=args.application)["ApplicationResponse"]
    removal: dict[str, Any] = {"Status": "IN_PROGRESS"}
    deadline = time.monotonic() + args.timeout
    while args.wait and removal.get("Status") != "COMPLETED" and time.monotonic() < deadline:
        time.sleep(0.5)
        record = _deleted_record(args, state)
        removal = (record or {}).get("removal") or removal
    document = {**application, "Removal": removal}
    human = f"deleted {application['Id']} ({application['Name']}); its data " + (
        f"is removed ({sum(removal.get('Removed', {}).values())} items and objects)"
        if removal.get("Status") == "COMPLETED"
        else f"is being removed: `engage apps show {application['Id']}` follows it"
    )
    emit(args, document, human=human)
    return 0


def register(areas: Any, common: argparse.ArgumentParser) -> None:
    apps = areas.add_parser("apps", help="applications (Pinpoint projects)").add_subparsers(
        dest="command", required=True
    )
    creating = apps.add_parser("create", parents=[common], help="create an application")
    creating.add_argument("--name", required=True)
    creating.add_argument("--tag", action="append", help="KEY=VALUE, repeatable")
    creating.add_argument("--id", help="keep this id (a Pinpoint project's: 32 hexadecimal digits)")
    creating.set_defaults(run=create)
    apps.add_parser("list", parents=[common], help="the applications, oldest first").set_defaults(run=listing)
    showing = apps.add_parser("show", parents=[common], help="an application and its settings")
    showing.add_argument("application", help="application id")
    showing.set_defaults(run=show)
    deleting = apps.add_parser(
        "delete", parents=[common], help="delete an application; its data is removed in the background"
    )
    deleting.add_argument("application", help="application id")
    deleting.add_argument("--wait", action="store_true", help="wait until its data is removed")
    deleting.add_argument("--timeout", type=float, default=300, help="seconds --wait waits (default 300)")
    deleting.set_defaults(run=delete)
