"""`Custom::PinpointApp`: an application declared in a template, shaped like AWS::Pinpoint::App
(Properties `Name` and `Tags`; `Ref` is the application id, `Fn::GetAtt` gives `Arn`, `Id` and
`Name`). Create is CreateApp, Update changes the name and tags in place (an id tag that changes
makes a new application, and CloudFormation deletes the old one), Delete is DeleteApp (its data is
removed in the background). Always answers CloudFormation, failures with their reason."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.cfn_response import respond
from engage.applications import KEEP_ID_TAG
from engage.errors import EngageError, NotFoundError
from engage.obs import logger
from engage.runtime import services

NOT_CREATED = "pinpoint-app-not-created"


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    properties = event["ResourceProperties"]
    request = {"Name": properties.get("Name"), "tags": properties.get("Tags") or None}
    physical_id = event.get("PhysicalResourceId") or NOT_CREATED
    try:
        if event["RequestType"] == "Delete":
            if physical_id != NOT_CREATED:
                _delete(physical_id)
            return respond(event, "SUCCESS", physical_id)
        wanted = (properties.get("Tags") or {}).get(KEEP_ID_TAG)
        if event["RequestType"] == "Update" and wanted in (None, physical_id):
            application = services.applications.rename(physical_id, request)
        else:  # Create, or an Update to another id: a new application (CloudFormation deletes the old)
            application = services.applications.create(request)
        data = {k: application[k] for k in ("Arn", "Id", "Name")}
        return respond(event, "SUCCESS", application["Id"], data)
    except EngageError as exc:
        logger.warning("Custom::PinpointApp %s refused: %s", event["RequestType"], exc)
        return respond(event, "FAILED", physical_id, reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - CloudFormation must hear back, or it waits an hour
        logger.exception("Custom::PinpointApp %s failed", event["RequestType"])
        return respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")


def _delete(app_id: str) -> None:
    try:
        services.applications.delete(app_id)
    except NotFoundError:  # deleted already (by DeleteApp, or a Delete CloudFormation repeats)
        logger.info("Custom::PinpointApp %s was deleted already", app_id)
