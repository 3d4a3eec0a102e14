"""The project copy custom resource (`Custom::ProjectCopy`) as a use case: which APIs a copy may reach,
the resource's owner id, the plan (engage.copying.project) carried out or only told, and the answer
CloudFormation always gets, failures included."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from engage.addresses import local_http
from engage.copying.project import Project, ProjectCallError, Selection, Step, apply, plan, removals, summary
from engage.custom_resources import Respond
from engage.errors import ValidationError
from engage.obs import logger

SAFETY_MILLIS = 60_000  # stop copying a minute before the function's timeout, to answer in time
MAX_IDS_CHARS = 1500  # CloudFormation takes at most 4,096 bytes of response
NOT_CREATED = "project-copy-not-created"


@dataclass(frozen=True)
class Apis:
    """The APIs a copy may reach: this stack's (`url`, a side's default, in `region`), those of
    `other_arns` (comma-separated arn:aws:execute-api:<region>:<account>:<id>/...), and with
    `allow_local`, one on this machine."""

    url: str
    region: str
    other_arns: str = ""
    allow_local: bool = False

    def allowed_hosts(self) -> set[str]:
        hosts = {urlsplit(self.url).hostname or ""}
        for arn in filter(None, self.other_arns.split(",")):
            parts = arn.split(":")
            if len(parts) >= 6:
                hosts.add(f"{parts[5].split('/')[0]}.execute-api.{parts[3]}.amazonaws.com")
        return hosts

    def side(self, properties: Mapping[str, Any], name: str) -> dict[str, str]:
        """A side of the copy from the resource's properties: {"ApplicationId", "ApiUrl", "Region"}."""
        side = properties.get(name)
        if not isinstance(side, dict) or not side.get("ApplicationId"):
            raise ValidationError(name, "needs an ApplicationId (and optionally ApiUrl and Region)")
        url = side.get("ApiUrl") or self.url
        parts = urlsplit(url)
        local = local_http(parts, self.allow_local)
        if not local and (parts.scheme != "https" or parts.hostname not in self.allowed_hosts()):
            raise ValidationError(
                f"{name}.ApiUrl", f"{url} is not this stack's API or one of ProjectCopyApiArns"
            )
        return {
            "ApplicationId": side["ApplicationId"],
            "ApiUrl": url,
            "Region": side.get("Region") or self.region,
        }


def owner_of(event: Mapping[str, Any]) -> str:
    """The resource's owner id: its copies are tagged with it, so only this resource touches them."""
    return hashlib.sha256(f"{event['StackId']}/{event['LogicalResourceId']}".encode()).hexdigest()[:16]


def _ids(steps: Sequence[Step], kind: str) -> str:
    joined = ",".join(
        s.target for s in steps if s.kind == kind and s.target and s.action not in ("deleted", "skip")
    )
    return joined if len(joined) <= MAX_IDS_CHARS else joined[:MAX_IDS_CHARS].rsplit(",", 1)[0] + ",..."


@dataclass(frozen=True)
class ProjectCopyResource:
    """Create and Update make the target hold copies of what the properties select and delete this
    resource's copies the selection no longer names; Delete removes them; `DryRun: "true"` answers
    the plan and writes nothing. `projects(source, target)` opens the two sides."""

    apis: Apis
    projects: Callable[[Mapping[str, str], Mapping[str, str]], tuple[Project, Project]]
    respond: Respond

    def handle(self, event: Mapping[str, Any], remaining_millis: Callable[[], int]) -> None:
        properties = event["ResourceProperties"]
        physical_id = event.get("PhysicalResourceId") or NOT_CREATED
        owner = owner_of(event)
        dry_run = str(properties.get("DryRun", "false")).lower() == "true"
        try:
            source, target = self.projects(
                self.apis.side(properties, "Source"), self.apis.side(properties, "Target")
            )
            physical_id = f"copy/{owner}/{source.label}->{target.label}"
            if event["RequestType"] == "Delete":
                # A resource whose Create failed before it knew its sides made nothing to remove.
                made = event.get("PhysicalResourceId") == physical_id
                steps = removals(target, source.label, owner) if made else []
            else:
                steps = plan(source, target, Selection.parse(properties), prune=True, owner=owner)
            done = steps if dry_run else apply(steps, target, lambda: remaining_millis() < SAFETY_MILLIS)
        except ProjectCallError as exc:
            if event["RequestType"] == "Delete" and "NotFoundException" in str(exc):
                self.respond(event, "SUCCESS", physical_id, reason=f"nothing left to remove: {exc}")
                return
            logger.exception("project copy failed", extra={"request": event["RequestType"]})
            self.respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - CloudFormation must hear about every failure
            logger.exception("project copy failed", extra={"request": event["RequestType"]})
            self.respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
            return
        self._answer(event, physical_id, done, dry_run)

    def _answer(self, event: Mapping[str, Any], physical_id: str, done: list[Step], dry_run: bool) -> None:
        counts = summary(done)
        undone = [
            f"{s.kind} {s.name} ({s.source}): {s.reason}"
            for s in done
            if s.action == "failed" or s.reason.startswith("out of time")
        ]
        logger.info(
            "project copy", extra={"request": event["RequestType"], "counts": counts, "dry_run": dry_run}
        )
        data = {
            **{action.capitalize(): count for action, count in counts.items()},
            "CampaignIds": _ids(done, "campaign"),
            "SegmentIds": _ids(done, "segment"),
        }
        if undone:
            self.respond(event, "FAILED", physical_id, data, reason="; ".join(undone))
            return
        plan_text = "; ".join(
            f"{s.action} {s.kind} {s.name}" + (f" ({s.reason})" if s.reason else "") for s in done
        )
        self.respond(event, "SUCCESS", physical_id, data, reason=("dry run: " if dry_run else "") + plan_text)
