"""The lake's views custom resource: creates, replaces and drops the Athena views of sql/views (the
template carries their SQL) in the lake's workgroup and database, and always answers
CloudFormation, with Athena's reason when a view fails."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.athena import AthenaQueries
from engage.adapters.cfn_response import respond
from engage.lake_views import statements
from engage.obs import logger
from engage.runtime import services

SAFETY_SECONDS = 20.0  # answer CloudFormation before the function's own timeout


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    properties = event["ResourceProperties"]
    physical_id = event.get("PhysicalResourceId") or f"{properties['Database']}/views"
    try:
        planned = statements(
            event["RequestType"],
            properties.get("Views", []),
            event.get("OldResourceProperties", {}).get("Views", []),
        )
        budget = context.get_remaining_time_in_millis() / 1000 - SAFETY_SECONDS
        queries = AthenaQueries(
            services.factory.client("athena"),
            properties["WorkGroup"],
            properties["Database"],
            max_wait_seconds=max(5.0, budget / max(1, len(planned))),
        )
        for statement in planned:
            queries.run(statement)
        logger.info("views applied", extra={"request": event["RequestType"], "statements": len(planned)})
    except Exception as exc:  # noqa: BLE001 - CloudFormation must hear about every failure
        logger.exception("views not applied", extra={"request": event["RequestType"]})
        respond(event, "FAILED", physical_id, reason=f"{type(exc).__name__}: {exc}")
        return
    respond(event, "SUCCESS", physical_id, {"Views": len(properties.get("Views", []))})
