"""The project copy custom resource (`Custom::ProjectCopy`): copies campaigns, segments and templates
from one application to another (engage.project_copy) through each side's Pinpoint-compatible API,
and always answers CloudFormation.

The resource owns its copies: they are tagged with an owner id made from the stack and the logical
id, so a second resource (or `engage copy`) copying from the same source never touches them, and a
replaced resource's Delete removes only the old one's. Create and Update make the target hold copies
of what the properties select and delete this resource's copies the selection no longer names;
Delete removes them (templates stay: everything behind the target's API shares them).
`DryRun: "true"` answers the plan (in the reason and Data) and writes nothing."""

import hashlib
import os
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.cfn_response import respond
from engage.adapters.pinpoint_project import projects
from engage.errors import ValidationError
from engage.obs import logger
from engage.project_copy import ProjectCallError, Selection, apply, plan, removals, summary
from engage.runtime import services

SAFETY_MILLIS = 60_000  # stop copying a minute before the function's timeout, to answer in time
MAX_IDS_CHARS = 1500  # CloudFormation takes at most 4,096 bytes of response


def _allowed_hosts() -> set[str]:
    """This stack's API and those of OTHER_API_ARNS (arn:aws:execute-api:<region>:<account>:<id>/...)."""
    hosts = {urlsplit(os.environ["PINPOINT_API_URL"]).hostname or ""}
    for arn in filter(None, os.environ.get("OTHER_API_ARNS", "").split(",")):
        parts = arn.split(":")
        if len(parts) >= 6:
            hosts.add(f"{parts[5].split('/')[0]}.execute-api.{parts[3]}.amazonaws.com")
    return hosts


def _side(properties: dict[str, Any], name: str) -> dict[str, str]:
    side = properties.get(name)
    if not isinstance(side, dict) or not side.get("ApplicationId"):
        raise ValidationError(name, "needs an ApplicationId (and optionally ApiUrl and Region)")
    url = side.get("ApiUrl") or os.environ["PINPOINT_API_URL"]
    parts = urlsplit(url)
    local = os.environ.get("ALLOW_LOCAL_APIS") == "true" and parts.hostname in ("127.0.0.1", "localhost")
    if not local and (parts.scheme != "https" or parts.hostname not in _allowed_hosts()):
        raise ValidationError(f"{name}.ApiUrl", f"{url} is not this stack's API or one of ProjectCopyApiArns")
    return {
        "ApplicationId": side["ApplicationId"],
        "ApiUrl": url,
        "Region": side.get("Region") or os.environ["AWS_REGION"],
    }


def owner_of(event: dict[str, Any]) -> str:
    return hashlib.sha256(f"{event['StackId']}/{event['LogicalResourceId']}".encode()).hexdigest()[:16]


def _ids(steps: list, kind: str) -> str:
    joined = ",".join(
        s.target for s in steps if s.kind == kind and s.target and s.action not in ("deleted", "skip")
    )
    return joined if len(joined) <= MAX_IDS_CHARS else joined[:MAX_IDS_CHARS].rsplit(",", 1)[0] + ",..."


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    properties = event["ResourceProperties"]
    physical_id = event.get("PhysicalResourceId") or "project-copy-not-created"
    owner = owner_of(event)
    dry_run = str(properties.get("DryRun", "false")).lower() == "true"
    try:
        source, target = projects(
            lambda url, region: services.factory.pinpoint_api(url, region),
            _side(properties, "Source"),
            _side(properties, "Target"),
        )
        physical_id = f"copy/{owner}/{source.label}->{target.label}"
        if event["RequestType"] == "Delete":
            # A resource whose Create failed before it knew its sides made nothing to remove.
            made = event.get("PhysicalResourceId") == physical_id
            steps = removals(target, source.label, owner) if made else []
        else:
            steps = plan(source, target, Selection.parse(properties), prune=True, owner=owner)
        out_of_time = lambda: context.get_remaining_time_in_millis() < SAFETY_MILLIS  # noqa: E731
        done = steps if dry_run else apply(steps, target, out_of_time)
    except ProjectCallError as exc:
        if event["RequestType"] == "Delete" and "NotFoundException" in str(exc):
            respond(event, "SUCCESS", physical_id, reason=f"nothing left to remove: {exc}")
            return
        logger.exception("project copy failed", extra={"request": event["RequestType"]})
        respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
        return
    except Exception as exc:  # noqa: BLE001 - CloudFormation must hear about every failure
        logger.exception("project copy failed", extra={"request": event["RequestType"]})
        respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
        return
    counts = summary(done)
    undone = [
        f"{s.kind} {s.name} ({s.source}): {s.reason}"
        for s in done
        if s.action == "failed" or s.reason.startswith("out of time")
    ]
    logger.info("project copy", extra={"request": event["RequestType"], "counts": counts, "dry_run": dry_run})
    data = {
        **{action.capitalize(): count for action, count in counts.items()},
        "CampaignIds": _ids(done, "campaign"),
        "SegmentIds": _ids(done, "segment"),
    }
    if undone:
        respond(event, "FAILED", physical_id, data, reason="; ".join(undone))
        return
    plan_text = "; ".join(
        f"{s.action} {s.kind} {s.name}" + (f" ({s.reason})" if s.reason else "") for s in done
    )
    respond(event, "SUCCESS", physical_id, data, reason=("dry run: " if dry_run else "") + plan_text)
