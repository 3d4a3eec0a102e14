"""Erases a person from the event lake (engage.lake_erasure): the erasure function queues their
application, endpoint ids and address pseudonyms; this reads every file of the lake and rewrites
those holding lines about them. A lake too large for one invocation is erased over several: what is
left is queued again with where to resume. A message that keeps failing reaches the DLQ (an alarm
watches it: an erasure must not be lost)."""

import json
import os
import time
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.lake_files import LakeFiles
from engage.lake_erasure import Person
from engage.obs import logger, metrics
from engage.runtime import services

processor = BatchProcessor(event_type=EventType.SQS)
SAFETY_SECONDS = 60.0  # stop starting files this long before the timeout (a file is read whole)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - SAFETY_SECONDS
    lake = LakeFiles(services.factory.client("s3"), os.environ["EVENTS_BUCKET"])

    def record_handler(record: SQSRecord) -> None:
        request = json.loads(record.body)
        person = Person.from_dict(request)
        progress = lake.erase(person, services.address_pseudonym, deadline, request.get("Resume"))
        for name, value in (("LakeFilesRewritten", progress.files_rewritten),
                            ("LakeFilesDeleted", progress.files_deleted),
                            ("LakeLinesErased", progress.lines_removed)):  # fmt: skip
            metrics.add_metric(name=name, unit="Count", value=value)
        logger.info(
            "lake erasure",
            extra={"application_id": person.app_id, "files_read": progress.files_read,
                   "lines_removed": progress.lines_removed, "resume": progress.resume},
        )  # fmt: skip
        if progress.resume:
            services.factory.client("sqs").send_message(
                QueueUrl=os.environ["LAKE_ERASURE_QUEUE_URL"],
                MessageBody=json.dumps({**person.to_dict(), "Resume": progress.resume}),
            )

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
