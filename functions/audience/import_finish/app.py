"""Closes the import job (engage.audience.imports.workflow.ImportFinish, over engage.jobs.JobClosing):
COMPLETED when every chunk was imported, else FAILED; the failure messages are cut to Pinpoint's
100. A completed job that asked for it defines an IMPORT segment named after the file, or the next
version of the imported segment it names (`segment_id`; the previous version's member lists are
tagged superseded, and a lifecycle rule removes them two days later, so that a campaign run reading
them meanwhile still can); otherwise the member lists its chunks wrote are removed."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.imports import wiring
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    closed = wiring.import_finish().close(event)
    metrics.add_metric(
        name="ImportsCompleted" if closed.status == "COMPLETED" else "ImportsFailed", unit="Count", value=1
    )
    return closed.job
