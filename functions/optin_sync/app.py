"""The opt-in sync's consumer of DMS change records on Kinesis (engage.optin_sync). Partial batch
responses: a change that fails for a reason that may pass (throttling, a store error) is retried,
and after MaximumRetryAttempts goes to the OnFailure destination; a change that can never apply (not
a DMS record, no key, a number that is not a phone number) goes to the rejects queue with its
reason and the record itself, and the shard moves on. Nothing is dropped."""

import json
import os

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from engage.batch import partial_batch_handler
from engage.errors import ValidationError
from engage.obs import logger, metrics
from engage.optin_sync import Columns, apply_change, parse_change
from engage.runtime import services

APP_ID = os.environ["OPT_IN_SYNC_APPLICATION_ID"]
COLUMNS = Columns(
    **{
        name: os.environ[variable]
        for name, variable in (
            ("key", "KEY_COLUMN"),
            ("phone", "PHONE_COLUMN"),
            ("opt_in", "OPT_IN_COLUMN"),
            ("last_update", "LAST_UPDATE_COLUMN"),
        )
        if os.environ.get(variable)
    }
)
DEFAULT_REGION = os.environ.get("DEFAULT_PHONE_REGION") or None


def record_handler(record: KinesisStreamRecord) -> None:
    data = record.kinesis.data_as_bytes()
    services.known_applications.require(APP_ID)  # else retried, then the OnFailure destination
    try:
        change = parse_change(data, COLUMNS)
        if change is None:
            metrics.add_metric(name="OptInSyncControlRecords", unit="Count", value=1)
            return
        outcome = apply_change(
            change, APP_ID, services.contacts, services.consent, services.cdc_tombstones, DEFAULT_REGION
        )
    except ValidationError as exc:
        reject(record, data, exc)
        return
    metrics.add_metric(name=f"OptInSync{outcome.title()}", unit="Count", value=1)
    logger.info(
        "change applied",
        extra={"operation": change.operation, "endpoint_id": change.endpoint_id, "outcome": outcome},
    )


def reject(record: KinesisStreamRecord, data: bytes, error: ValidationError) -> None:
    services.factory.client("sqs").send_message(
        QueueUrl=os.environ["REJECTS_QUEUE_URL"],
        MessageBody=json.dumps(
            {
                "reason": str(error),
                "field": error.field,
                "sequence_number": record.kinesis.sequence_number,
                "partition_key": record.kinesis.partition_key,
                "record": data.decode("utf-8", errors="replace"),
            }
        ),
    )
    metrics.add_metric(name="OptInSyncRejected", unit="Count", value=1)
    logger.warning(
        "change rejected", extra={"field": error.field, "sequence_number": record.kinesis.sequence_number}
    )


handler = partial_batch_handler(EventType.KinesisDataStreams, record_handler)
