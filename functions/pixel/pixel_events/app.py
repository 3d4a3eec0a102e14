"""The pixel queue's consumer: each hit goes through Pinpoint's PutEvents (engage.api.ingest): its
allowed user attributes onto the endpoint, its event onto the event stream under the request's id
(so event-triggered campaigns start from it, once however often the hit is delivered). A hit the
ingestion refuses is counted and dropped; one that fails (a store or the stream) comes back alone
from the queue, and reaches the DLQ after the queue's maxReceiveCount."""

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage.batch import partial_batch_handler
from engage.envelopes import json_object
from engage.obs import logger, metrics
from engage.pixel.wiring import hit_ingest


def record_handler(record: SQSRecord) -> None:
    emitted, refused = hit_ingest().ingest(json_object(record.body, "body"))  # unknown app: the DLQ
    for answer in refused:
        logger.warning("pixel hit refused by the ingestion", extra={"reason": answer["Message"]})
    metrics.add_metric(name="PixelEventsIngested", unit="Count", value=emitted)
    metrics.add_metric(name="PixelItemsRefused", unit="Count", value=len(refused))


handler = partial_batch_handler(EventType.SQS, record_handler)
