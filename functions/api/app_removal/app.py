"""Removes a deleted application's data (engage.applications.removal). DeleteApp puts
`{"ApplicationId": ...}` on the removal queue; each message is worked on until a minute before the
function's timeout, where it stands is saved on the application's record and, when there is more,
a new message carries on. A message that fails comes back from the queue, and after its
maxReceiveCount waits in the DLQ; sending it again carries on where the removal stands."""

from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage.applications.wiring import removal_step
from engage.batch import partial_batch_handler
from engage.envelopes import json_object
from engage.obs import logger, metrics

SAFETY_MILLIS = 60_000
_invocation: dict[str, Any] = {}


def _time_left() -> bool:
    return _invocation["context"].get_remaining_time_in_millis() > SAFETY_MILLIS


def record_handler(record: SQSRecord) -> None:
    app_id = str(json_object(record.body, "body").get("ApplicationId"))
    removal = removal_step().carry_on(app_id, _time_left)  # asked for again when some is left
    logger.info(
        "application data removal",
        extra={"application_id": app_id, "status": removal["Status"], "removed": removal["Removed"]},
    )
    metrics.add_metric(name="ApplicationItemsRemoved", unit="Count", value=sum(removal["Removed"].values()))


handler = partial_batch_handler(
    EventType.SQS, record_handler, on_start=lambda context: _invocation.update(context=context)
)
