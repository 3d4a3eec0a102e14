"""`engage events query "<SQL>"`: a query in Athena's dialect over the event lake's tables and views
(sql/). On the local stack it runs on DuckDB over a synced copy of the events bucket; with `--aws`
it runs on Athena in the stack's workgroup and database (read from the stack's outputs)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engage_cli.common import CommandError, emit, progress, running_stack, stack_clients, state_dir

if TYPE_CHECKING:  # DuckDB and sqlglot load when a command reads the lake, not for every command
    from engage_cli.lake.local import LocalLake, Result


def local_lake(args: argparse.Namespace) -> LocalLake:
    """The local stack's lake, synced from its events bucket."""
    from engage_cli.lake.local import LocalLake
    from engage_cli.lake.sync import sync

    state = running_stack(args)
    bucket = state.outputs(args.stack)["EventsBucketName"]
    root = state_dir(args) / "lake"
    counts = sync(stack_clients(state).client("s3"), bucket, root)
    progress(f"lake synced from s3://{bucket}: {counts['downloaded']} new, {counts['removed']} removed")
    return LocalLake(root)


def lake_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    """The deployed stack's outputs, read once; CommandError when it has no event lake."""
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    if "EventsWorkGroupName" not in outputs:
        raise CommandError(f"stack {stack} has no event lake (no EventsWorkGroupName output)")
    return outputs


def athena_runner(athena: Any, outputs: dict[str, str]) -> Callable[[str], Result]:
    """SQL -> Result, on Athena in the stack's lake workgroup and database."""
    from engage.adapters.athena.queries import AthenaQueries

    from engage_cli.lake.local import Result

    queries = AthenaQueries(athena, outputs["EventsWorkGroupName"], outputs["EventsDatabaseName"])

    def run(sql: str) -> Result:
        columns, rows = queries.rows(sql)
        return Result(tuple(columns), tuple(tuple(row) for row in rows))

    return run


def athena_rows(cloudformation: Any, athena: Any, stack: str, sql: str) -> Result:
    """The query's result from Athena, in the stack's lake workgroup and database."""
    return athena_runner(athena, lake_outputs(cloudformation, stack))(sql)


def query(args: argparse.Namespace) -> int:
    import duckdb
    import sqlglot

    try:
        if args.aws:
            from engage.adapters.clients import ClientFactory

            factory = ClientFactory(region=args.region)
            result = athena_rows(
                factory.client("cloudformation"), factory.client("athena"), args.stack, args.sql
            )
        else:
            result = local_lake(args).query(args.sql)
    except (duckdb.Error, sqlglot.errors.SqlglotError) as exc:
        raise CommandError(f"the query failed: {exc}", kind="QueryFailed") from exc
    records = result.records()
    emit(args, records, human=table(result))
    return 0


def report(args: argparse.Namespace) -> int:
    from engage_cli.lake.journey_drawing import canvases
    from engage_cli.lake.report import figures, render

    if args.aws:
        from engage.adapters.clients import ClientFactory

        factory = ClientFactory(region=args.region)
        outputs = lake_outputs(factory.client("cloudformation"), args.stack)  # read once, not per query
        run = athena_runner(factory.client("athena"), outputs)
        report = figures(lambda sql: run(sql).records(), args.app)
        drawn = canvases(factory.client("dynamodb"), outputs, args.app)
        page = render(replace(report, journeys=drawn))
        bucket = outputs["EventsBucketName"]
        key = f"reports/campaign-report-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.html"
        factory.client("s3").put_object(Bucket=bucket, Key=key, Body=page.encode(), ContentType="text/html")
        where = f"s3://{bucket}/{key}"
    else:
        lake = local_lake(args)
        report = figures(lambda sql: lake.query(sql).records(), args.app)
        state = running_stack(args)
        drawn = canvases(stack_clients(state).client("dynamodb"), state.outputs(args.stack), args.app)
        page = render(replace(report, journeys=drawn))
        out = Path(args.out or state_dir(args) / "campaign-report.html")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page)
        where = str(out.resolve())
    emit(args, {"report": where}, human=f"campaign report: {where}")
    return 0


def table(result: Result) -> str:
    """The rows as an aligned text table."""
    cells = [list(result.columns)] + [[_cell(v) for v in row] for row in result.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(result.columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*lines, f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})"])


def _cell(value: Any) -> str:
    from engage_cli.lake.local import plain

    shown = plain(value)
    return "" if shown is None else str(shown)


def register(areas: Any, common: argparse.ArgumentParser) -> None:
    events = areas.add_parser("events", help="the event lake").add_subparsers(dest="command", required=True)
    querying = events.add_parser(
        "query", parents=[common], help="run SQL (Athena's dialect) over the lake's tables and views"
    )
    querying.add_argument("sql", help='e.g. "SELECT campaign_id, count(*) FROM email_open GROUP BY 1"')
    querying.add_argument("--aws", action="store_true", help="run on Athena in the deployed stack")
    querying.add_argument("--region", help="AWS region of the deployed stack (with --aws)")
    querying.set_defaults(run=query)
    reporting = events.add_parser(
        "report", parents=[common], help="write the campaign report (HTML) from the lake's views"
    )
    reporting.add_argument("--app", help="one application only (default: all)")
    reporting.add_argument(
        "--out", help="where to write it locally (default: <state dir>/campaign-report.html)"
    )
    reporting.add_argument("--aws", action="store_true", help="from Athena, into the stack's events bucket")
    reporting.add_argument("--region", help="AWS region of the deployed stack (with --aws)")
    reporting.set_defaults(run=report)
