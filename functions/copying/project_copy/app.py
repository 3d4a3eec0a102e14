"""The project copy custom resource (`Custom::ProjectCopy`): copies campaigns, segments and templates
from one application to another (engage.copying.project) through each side's Pinpoint-compatible
API, and always answers CloudFormation (engage.copying.resource).

The resource owns its copies: they are tagged with an owner id made from the stack and the logical
id, so a second resource (or `engage copy`) copying from the same source never touches them, and a
replaced resource's Delete removes only the old one's. Create and Update make the target hold copies
of what the properties select and delete this resource's copies the selection no longer names;
Delete removes them (templates stay: everything behind the target's API shares them).
`DryRun: "true"` answers the plan (in the reason and Data) and writes nothing."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.copying import wiring
from engage.obs import logger


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    wiring.project_copy().handle(event, context.get_remaining_time_in_millis)
