"""The SMS drops' FIFO queue consumer: each row is sent by the sender as any send request is
(consent and suppression checked now, the ledger, the origination identity's token bucket, the
archive, the events), its result recorded once, and a drop's report written when its last row
settles. The answer is a FIFO partial batch response: after a failed row, the rest of its message
group comes back too (Powertools' skip_group_on_error), as FIFO consumers must answer; rows of the
batch after the failed one may already have gone out, and come back as duplicates the ledger sends
nothing for. A row that keeps failing reaches the DLQ after the queue's maxReceiveCount."""

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.envelopes import json_object
from engage.errors import ValidationError
from engage.obs import logger, metrics
from engage.sending.queued import raise_failure, send_records
from engage.sending.sender import SendResult
from engage.sms.drop import queued_row
from engage.sms.wiring import drop_sender, sms_drops

processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rows, results = {}, {}
    for record in (SQSRecord(r) for r in event["Records"]):
        try:
            rows[record.message_id] = (record, queued_row(json_object(record.body, "body")))
        except ValidationError as exc:  # not a drop's row: it goes to the DLQ after its receives
            logger.error("not an SMS drop row", extra={"message_id": record.message_id, "error": str(exc)})
            results[record.message_id] = SendResult(None, error=exc)  # type: ignore[arg-type]
    results |= send_records([record for record, _ in rows.values()], drop_sender(), context)
    settled = [(row, results[m]) for m, (_, row) in rows.items() if results[m].outcome is not None]
    new = sms_drops().settle(settled, clock.time())
    metrics.add_metric(name="SmsDropRowsSettled", unit="Count", value=new)
    return process_partial_response(
        event=event, record_handler=raise_failure(results), processor=processor, context=context
    )
