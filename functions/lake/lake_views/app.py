"""The lake's views custom resource: creates, replaces and drops the Athena views of sql/views (the
template carries their SQL) in the lake's workgroup and database, and always answers
CloudFormation, with Athena's reason when a view fails (engage.lake.views)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.lake.wiring import views_resource
from engage.obs import logger


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    views_resource().apply(event, context.get_remaining_time_in_millis)
