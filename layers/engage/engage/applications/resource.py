"""`Custom::PinpointApp` as a use case: an application declared in a template, shaped like
AWS::Pinpoint::App. Create is CreateApp, Update changes the name and tags in place (an id tag that
changes makes a new application, and CloudFormation deletes the old one), Delete is DeleteApp. Every
path answers CloudFormation, failures with their reason."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage.applications.model import KEEP_ID_TAG
from engage.custom_resources import Respond
from engage.errors import EngageError, NotFoundError
from engage.obs import logger

NOT_CREATED = "pinpoint-app-not-created"


class ApplicationService(Protocol):
    def create(self, request: Mapping[str, Any]) -> dict[str, Any]: ...
    def rename(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]: ...
    def delete(self, app_id: str) -> Any: ...


@dataclass(frozen=True)
class ApplicationResource:
    """`applications()` gives the service, built on first use inside the answer's `try`: a function
    that cannot reach its store still answers CloudFormation."""

    applications: Callable[[], ApplicationService]
    respond: Respond

    def handle(self, event: Mapping[str, Any]) -> None:
        properties = event["ResourceProperties"]
        request = {"Name": properties.get("Name"), "tags": properties.get("Tags") or None}
        physical_id = event.get("PhysicalResourceId") or NOT_CREATED
        try:
            if event["RequestType"] == "Delete":
                if physical_id != NOT_CREATED:
                    self._delete(physical_id)
                return self.respond(event, "SUCCESS", physical_id)
            wanted = (properties.get("Tags") or {}).get(KEEP_ID_TAG)
            if event["RequestType"] == "Update" and wanted in (None, physical_id):
                application = self.applications().rename(physical_id, request)
            else:  # Create, or an Update to another id: a new application (CloudFormation deletes the old)
                application = self.applications().create(request)
            data = {k: application[k] for k in ("Arn", "Id", "Name")}
            return self.respond(event, "SUCCESS", application["Id"], data)
        except EngageError as exc:
            logger.warning("Custom::PinpointApp %s refused: %s", event["RequestType"], exc)
            return self.respond(event, "FAILED", physical_id, reason=str(exc))
        except Exception as exc:  # noqa: BLE001 - CloudFormation must hear back, or it waits an hour
            logger.exception("Custom::PinpointApp %s failed", event["RequestType"])
            return self.respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")

    def _delete(self, app_id: str) -> None:
        try:
            self.applications().delete(app_id)
        except NotFoundError:  # deleted already (by DeleteApp, or a Delete CloudFormation repeats)
            logger.info("Custom::PinpointApp %s was deleted already", app_id)
