"""The project copy custom resource (`Custom::ProjectCopy`): copies campaigns, segments and templates
from one application to another (engage.project_copy) through each side's Pinpoint-compatible API,
and always answers CloudFormation.

Create and Update make the target hold copies of what the properties select, and delete the copies
from that source the selection no longer names; Delete removes them all. One resource per source and
target pair: it owns every copy from that source in that target. `DryRun: "true"` answers the plan
(in the reason and Data) and writes nothing."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.cfn_response import respond
from engage.adapters.pinpoint_project import projects
from engage.errors import ValidationError
from engage.obs import logger
from engage.project_copy import Selection, apply, plan, removals, summary
from engage.runtime import services


def _side(properties: dict[str, Any], name: str) -> dict[str, str]:
    side = properties.get(name)
    if not isinstance(side, dict) or not side.get("ApplicationId"):
        raise ValidationError(name, "needs an ApplicationId (and optionally ApiUrl and Region)")
    return {
        "ApplicationId": side["ApplicationId"],
        "ApiUrl": side.get("ApiUrl") or os.environ["PINPOINT_API_URL"],
        "Region": side.get("Region") or os.environ["AWS_REGION"],
    }


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    properties = event["ResourceProperties"]
    physical_id = event.get("PhysicalResourceId") or "project-copy-not-created"
    try:
        source, target = projects(
            lambda url, region: services.factory.pinpoint_api(url, region),
            _side(properties, "Source"),
            _side(properties, "Target"),
        )
        physical_id = f"copy/{source.label}->{target.label}"
        if event["RequestType"] == "Delete":
            # A resource whose Create failed before it knew its sides made nothing to remove.
            made = event.get("PhysicalResourceId") == physical_id
            steps = removals(target, source.label) if made else []
        else:
            steps = plan(source, target, Selection.parse(properties), prune=True)
        dry_run = str(properties.get("DryRun", "false")).lower() == "true"
        done = steps if dry_run else apply(steps, source, target)
    except Exception as exc:  # noqa: BLE001 - CloudFormation must hear about every failure
        logger.exception("project copy failed", extra={"request": event["RequestType"]})
        respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
        return
    counts = summary(done)
    failed = [f"{s.kind} {s.name} ({s.source}): {s.reason}" for s in done if s.action == "failed"]
    logger.info("project copy", extra={"request": event["RequestType"], "counts": counts, "dry_run": dry_run})
    data = {
        **{action.capitalize(): count for action, count in counts.items()},
        "CampaignIds": ",".join(s.target or "" for s in done if s.kind == "campaign" and s.target),
        "SegmentIds": ",".join(s.target or "" for s in done if s.kind == "segment" and s.target),
    }
    if failed:
        respond(event, "FAILED", physical_id, data, reason="; ".join(failed))
        return
    plan_text = "; ".join(
        f"{s.action} {s.kind} {s.name}" + (f" ({s.reason})" if s.reason else "") for s in done
    )
    respond(event, "SUCCESS", physical_id, data, reason=("dry run: " if dry_run else "") + plan_text)
