"""The opt-in sync's consumer of DMS change records on Kinesis (engage.audience.optin_sync). Partial batch
responses: a change that fails for a reason that may pass (throttling, a store error) is retried,
and after MaximumRetryAttempts goes to the OnFailure destination; a change that can never apply (not
a DMS record, no key, a number that is not a phone number) goes to the rejects queue with its
reason and the record itself, and the shard moves on. Nothing is dropped."""

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from engage.audience.wiring import opt_in_sync
from engage.batch import partial_batch_handler
from engage.obs import logger, metrics


def record_handler(record: KinesisStreamRecord) -> None:
    kinesis = record.kinesis
    synced = opt_in_sync().sync(kinesis.data_as_bytes(), kinesis.sequence_number, kinesis.partition_key)
    if synced.rejected is not None:
        metrics.add_metric(name="OptInSyncRejected", unit="Count", value=1)
        logger.warning(
            "change rejected",
            extra={"field": synced.rejected.field, "sequence_number": kinesis.sequence_number},
        )
    elif synced.change is None:
        metrics.add_metric(name="OptInSyncControlRecords", unit="Count", value=1)
    else:
        metrics.add_metric(name=f"OptInSync{str(synced.outcome).title()}", unit="Count", value=1)
        logger.info(
            "change applied",
            extra={
                "operation": synced.change.operation,
                "endpoint_id": synced.change.endpoint_id,
                "outcome": synced.outcome,
            },
        )


handler = partial_batch_handler(EventType.KinesisDataStreams, record_handler)
