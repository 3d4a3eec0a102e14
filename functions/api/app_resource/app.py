"""`Custom::PinpointApp`: an application declared in a template, shaped like AWS::Pinpoint::App
(Properties `Name` and `Tags`; `Ref` is the application id, `Fn::GetAtt` gives `Arn`, `Id` and
`Name`). Create is CreateApp, Update changes the name and tags in place (an id tag that changes
makes a new application, and CloudFormation deletes the old one), Delete is DeleteApp (its data is
removed in the background). Always answers CloudFormation, failures with their reason
(engage.applications.resource)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.applications import wiring
from engage.obs import logger


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    wiring.application_resource().handle(event)
