"""Writing an application's events to the customer's Kinesis data stream (PutRecords) or Firehose
delivery stream (PutRecordBatch) as the role its PutEventStream names: STS AssumeRole, the
credentials kept until shortly before they expire. What is not written is answered by index; the
reason (the error code) is logged, never the records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code
from engage.adapters.sts.role_clients import RoleClients
from engage.applications.event_streams import destination_service
from engage.events import MAX_PARTITION_KEY_LENGTH
from engage.obs import logger

SESSION_NAME = "engage-event-stream"


class CustomerStreams:
    """`roles`: "kinesis" and "firehose" clients signed as the stream's role."""

    def __init__(self, roles: RoleClients) -> None:
        self.roles = roles

    def deliver(self, stream: Mapping[str, Any], records: Sequence[tuple[str, bytes]]) -> list[int]:
        service, arn = destination_service(stream), stream["DestinationStreamArn"]
        try:
            client = self.roles.client(service, stream["RoleArn"])
            if service == "kinesis":
                answer = client.put_records(
                    StreamARN=arn,
                    Records=[
                        {"PartitionKey": key[:MAX_PARTITION_KEY_LENGTH], "Data": data}
                        for key, data in records
                    ],
                )
            else:
                answer = client.put_record_batch(
                    DeliveryStreamName=arn.rsplit("/", 1)[1],
                    Records=[{"Data": data + b"\n"} for _key, data in records],
                )
        except ClientError as exc:
            logger.warning(
                "the event stream refused the batch", extra={"destination": arn, "error": error_code(exc)}
            )
            return list(range(len(records)))
        results = answer.get("Records") or answer.get("RequestResponses") or []
        failed = [i for i, result in enumerate(results) if result.get("ErrorCode")]
        if failed:
            codes = sorted({results[i]["ErrorCode"] for i in failed})
            logger.warning("records not written", extra={"destination": arn, "errors": codes})
        return failed
