"""PutEventStream's delivery (engage.lake.event_export): the engagement event stream's records, in
Pinpoint's event-stream format, written to each application's own Kinesis or Firehose stream as
the role it names. What its destination did not take comes back as a batch item failure (the
stream retries from it; given up, the batch goes to the mapping's on-failure destination); a record
that is not an event, or of an application without an event stream, is skipped."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import KinesisStreamEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.lake.wiring import event_export
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=KinesisStreamEvent)
def handler(event: KinesisStreamEvent, context: LambdaContext) -> dict[str, Any]:
    records = [(r.kinesis.sequence_number, r.kinesis.data_as_bytes()) for r in event.records]
    exported = event_export().export(records)
    metrics.add_metric(name="EventsExported", unit=MetricUnit.Count, value=exported.delivered)
    if exported.failed:
        metrics.add_metric(name="EventExportFailures", unit=MetricUnit.Count, value=len(exported.failed))
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in exported.failed]}
