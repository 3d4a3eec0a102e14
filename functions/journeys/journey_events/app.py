"""Journeys started by events: the event stream's consumer. Each record is matched against its
application's active journeys with an EventStartCondition and enters the event's participant (see
engage.journeys.entry). Answers a partial batch response: a record that fails comes back (the shard
retries from it, bisecting), and one that keeps failing goes to the DLQ; a replayed record finds
its participant already in the journey."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage import clock
from engage.journeys.wiring import event_entry
from engage.obs import logger, metrics

processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
METRICS = {"Entered": "JourneyParticipantsEntered", "LATE": "JourneyEventsLate"}


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = event_entry().batch()  # each application's journeys read once

    def record_handler(record: KinesisStreamRecord) -> None:
        data = record.kinesis.data_as_json()
        counts = run(data, clock.now())
        if counts:
            logger.info(
                "journey entries",
                extra={
                    "event_id": data.get("event_id"),
                    "event_type": data.get("event_type"),
                    "counts": counts,
                },
            )
        for reason, name in METRICS.items():
            if counts.get(reason):
                metrics.add_metric(name=name, unit="Count", value=counts[reason])

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
