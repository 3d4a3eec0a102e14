"""The import's split step: creates the job record and cuts the file into pieces of whole records,
a bounded share of it per call (the workflow calls again while it answers SCANNING), then writes
the manifest for the Map that imports them (engage.audience.imports.workflow.ImportSplit)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.imports import wiring
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = wiring.import_split().split(event)
    if answer["status"] == "PROCESSING":
        metrics.add_metric(name="ImportPieces", unit="Count", value=answer["pieces"])
    return answer
