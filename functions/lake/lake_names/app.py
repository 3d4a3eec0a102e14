"""Writes the names of every campaign (deleted ones too, flagged) and segment into the event lake
(names/names.json, the `names` table), on a schedule: the views join them to the events' ids
(engage.lake.names)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.lake.wiring import names_export
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return names_export().run()
