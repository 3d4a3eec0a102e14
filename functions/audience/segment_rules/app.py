"""Event-driven segments: applies the configured rules (engage.audience.rule_batches) to the
event stream's records in batches, one read and one write per endpoint per batch. Records whose
endpoint could not be written come back as batch item failures (the stream retries from the first of
them, and the rules give the same result when applied again); a change that can never apply (over a
quota) and a record that is not an event are counted and logged, never retried."""

import json
from typing import Any

from aws_lambda_powertools.utilities.data_classes import KinesisStreamEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.wiring import rule_batches
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=KinesisStreamEvent)
def handler(event: KinesisStreamEvent, context: LambdaContext) -> dict[str, Any]:
    records, unreadable = [], 0
    for record in event.records:
        try:
            records.append((record.kinesis.sequence_number, json.loads(record.kinesis.data_as_bytes())))
        except ValueError:
            unreadable += 1
    applied = rule_batches().apply(records, unreadable)
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in applied.failed]}
