"""Writing an application's events to the customer's Kinesis data stream (PutRecords) or Firehose
delivery stream (PutRecordBatch) as the role its PutEventStream names: STS AssumeRole, the
credentials kept until shortly before they expire. What is not written is answered by index; the
reason (the error code) is logged, never the records."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code
from engage.applications.event_streams import destination_service
from engage.events import MAX_PARTITION_KEY_LENGTH
from engage.obs import logger

SESSION_NAME = "engage-event-stream"
RENEW_BEFORE_SECONDS = 300.0


class CustomerStreams:
    """`sts`: a boto3 STS client; `client_as(service, credentials)`: a client of "kinesis" or
    "firehose" signed with the given temporary credentials."""

    def __init__(
        self,
        sts: Any,
        client_as: Callable[[str, Mapping[str, Any]], Any],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sts = sts
        self.client_as = client_as
        self.clock = clock
        self._clients: dict[tuple[str, str], tuple[Any, float]] = {}
        self._lock = threading.Lock()

    def deliver(self, stream: Mapping[str, Any], records: Sequence[tuple[str, bytes]]) -> list[int]:
        service, arn = destination_service(stream), stream["DestinationStreamArn"]
        try:
            client = self._client(service, stream["RoleArn"])
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

    def _client(self, service: str, role_arn: str) -> Any:
        with self._lock:
            kept = self._clients.get((service, role_arn))
            if kept is not None and kept[1] - RENEW_BEFORE_SECONDS > self.clock():
                return kept[0]
        credentials = self.sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
        client = self.client_as(service, credentials)
        with self._lock:
            self._clients[(service, role_arn)] = (client, credentials["Expiration"].timestamp())
        return client
