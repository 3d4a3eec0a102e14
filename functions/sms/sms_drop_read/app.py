"""A CSV dropped under sms-drops/<application id>/ (S3 through EventBridge) is read one row at a
time, in the object version the event names: rows that can't be sent are recorded with their line
and reason, the others queued on the drops' FIFO queue (one message group per origination
identity). A repeated event for the same version reads nothing again; the drop's own report, which
lands next to it, is ignored. A failure (the file unreadable, SQS refusing rows) fails the
invocation: Lambda tries it twice more, then the event goes to the function's DLQ."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.audience.imports.job import decoded_key
from engage.obs import logger, metrics
from engage.sms.wiring import drop_intake


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    obj, bucket = event.detail["object"], event.detail["bucket"]["name"]
    key = decoded_key(obj["key"])
    # An unknown application or a vanished object raises: the event goes to the DLQ with the reason.
    read = drop_intake().read(bucket, obj["key"], key, obj.get("version-id"), clock.time())
    if read is None:
        logger.info("not an SMS drop", extra={"key": key})
        return {"ignored": key}
    drop, progress = read
    for name, value in (("SmsDropRows", progress.rows), ("SmsDropRejected", progress.rejected)):
        metrics.add_metric(name=name, unit="Count", value=value)
    logger.info(
        "sms drop read",
        extra={
            "drop_id": drop.drop_id,
            "rows": progress.rows,
            "rejected": progress.rejected,
            "queued": progress.queued,
        },
    )
    return {
        "drop_id": drop.drop_id,
        "rows": progress.rows,
        "rejected": progress.rejected,
        "queued": progress.queued,
        "file_error": progress.file_error,
        "reported": progress.reported,
    }
