"""Hard bounces and complaints from the engagement stream onto the engagement EventBridge bus (the
ISV "inform the CDP" pattern; engage.lake.feedback_bus). The event source mapping's filter delivers
only those two event types; any other record that reaches this function is skipped. Answers a
partial batch response: a record EventBridge would not take comes back, and one that keeps failing
goes to the DLQ."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.lake.wiring import feedback_publisher
from engage.obs import logger, metrics

processor = BatchProcessor(event_type=EventType.KinesisDataStreams)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    publisher = feedback_publisher()

    def record_handler(record: KinesisStreamRecord) -> None:
        publisher.publish(record.kinesis.data_as_json())

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
