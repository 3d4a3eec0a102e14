"""`engage copy`: copies campaigns and journeys (with their segments and templates), segments and
templates from one application to another, in the running local stack or through any stack's
Pinpoint-compatible API (`--from-api`/`--to-api` with `--from-region`/`--to-region`: another
region's stack). `--dry-run` prints the plan and writes nothing; copying again updates the copies;
`--remove` deletes them."""

from __future__ import annotations

import argparse
from typing import Any

from engage.copying.project import DEFAULT_OWNER

from engage_cli.common import EXIT_FAILED, emit, running_stack, stack_clients


def _factory(args: argparse.Namespace) -> tuple[Any, str | None, str | None]:
    """The client factory and the local stack's API and region (None without a local stack, when
    both APIs are given: the shell's credentials sign for AWS)."""
    if args.from_api and args.to_api:
        from engage.adapters.clients import ClientFactory

        return ClientFactory(), None, None
    state = running_stack(args)
    return stack_clients(state), state.api_url, state.region


def copy(args: argparse.Namespace) -> int:
    from engage.adapters.pinpoint.project import projects
    from engage.copying.project import Selection, TemplateRef, apply, plan, removals, summary

    factory, local_api, local_region = _factory(args)
    region = local_region or factory.region
    source, target = projects(
        factory.pinpoint_api,
        {
            "ApiUrl": args.from_api or local_api,
            "Region": args.from_region or region,
            "ApplicationId": args.from_app,
        },
        {
            "ApiUrl": args.to_api or local_api,
            "Region": args.to_region or region,
            "ApplicationId": args.to_app,
        },
    )
    if args.remove:
        steps = removals(target, source.label, args.owner)
    else:
        selection = Selection(
            tuple(args.campaign or ()),
            tuple(args.segment or ()),
            tuple(TemplateRef.parse(t) for t in args.template or ()),
            args.all,
            tuple(args.journey or ()),
        )
        steps = plan(source, target, selection, prune=args.prune, owner=args.owner)
    done = steps if args.dry_run else apply(steps, target)
    counts = summary(done)
    lines = [
        f"{s.action:9} {s.kind:8} {s.name} ({s.source})"
        + (f" -> {s.target}" if s.target else "")
        + (f" [{', '.join(s.changes)}]" if s.changes else "")
        + (f": {s.reason}" if s.reason else "")
        for s in done
    ]
    heading = f"{'plan' if args.dry_run else 'copy'} {source.label} -> {target.label}: " + ", ".join(
        f"{n} {action}" for action, n in sorted(counts.items())
    )
    emit(
        args,
        {
            "Source": source.label,
            "Target": target.label,
            "DryRun": args.dry_run,
            "Summary": counts,
            "Steps": [s.to_json() for s in done],
        },
        human="\n".join([heading, *lines]),
    )
    return EXIT_FAILED if counts.get("failed") else 0


def register(areas: Any, common: argparse.ArgumentParser) -> None:
    copying = areas.add_parser(
        "copy",
        parents=[common],
        help="copy campaigns, journeys, segments and templates to another application",
    )
    copying.add_argument("--from-app", required=True, help="the source application id")
    copying.add_argument("--to-app", required=True, help="the target application id")
    copying.add_argument("--from-api", help="the source stack's PinpointApiUrl (default: the local stack's)")
    copying.add_argument("--to-api", help="the target stack's PinpointApiUrl (default: the local stack's)")
    copying.add_argument("--from-region", help="the source stack's region")
    copying.add_argument("--to-region", help="the target stack's region")
    copying.add_argument(
        "--campaign", action="append", help="repeatable: a campaign id (its segment and templates come along)"
    )
    copying.add_argument(
        "--journey",
        action="append",
        help="repeatable: a journey id (copied as a draft, with its segments and templates)",
    )
    copying.add_argument(
        "--segment", action="append", help="repeatable: a segment id (with the segments it is built on)"
    )
    copying.add_argument("--template", action="append", help="repeatable: <name>:<EMAIL|SMS|VOICE|PUSH>")
    copying.add_argument(
        "--all", action="store_true", help="every campaign, journey and segment of the source"
    )
    copying.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    copying.add_argument(
        "--prune", action="store_true", help="also delete copies from the source no longer selected"
    )
    copying.add_argument(
        "--remove", action="store_true", help="delete every copy from the source in the target"
    )
    copying.add_argument(
        "--owner",
        default=DEFAULT_OWNER,
        help="whose copies these are (default cli): each owner finds, updates and removes only its own",
    )
    copying.set_defaults(run=copy)
