"""Writes the names of every campaign (deleted ones too, flagged) and segment into the event lake
(names/names.json, the `names` table), on a schedule: the views join them to the events' ids
(engage.lake_names)."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.campaigns_dynamodb import DynamoCampaignStore
from engage.adapters.segments_dynamodb import DynamoSegmentStore
from engage.lake_names import NAMES_KEY, name_rows, names_document
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    dynamodb = services.factory.client("dynamodb")
    campaigns = DynamoCampaignStore(os.environ["CAMPAIGNS_TABLE"], dynamodb)
    rows = list(
        name_rows(
            campaigns.all(),
            DynamoSegmentStore(os.environ["SEGMENTS_TABLE"], dynamodb).all(),
            campaigns.deleted(),
        )
    )
    services.factory.client("s3").put_object(
        Bucket=os.environ["EVENTS_BUCKET"],
        Key=NAMES_KEY,
        Body=names_document(rows),
        ContentType="application/x-ndjson",
    )
    metrics.add_metric(name="LakeNamesExported", unit="Count", value=len(rows))
    return {"Names": len(rows), "Key": NAMES_KEY}
