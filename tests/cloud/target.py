"""What a cloud test knows about the stack it runs against, and nothing more: a boto3 session, the
stack's CloudFormation outputs (DescribeStacks, on AWS as on the local stack's CloudFormation) and
the URL of its Pinpoint-compatible API. Flows are driven and observed only through those public
interfaces, so the same test passes against a deployed stack and against the local one.

On AWS the API's URL is the stack's PinpointApiUrl output. The local stack serves its REST APIs on a
local port instead (as `sam local start-api` does), which `engage local up` records with the
stack's endpoint in its state file: the one value read from there rather than from the outputs.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import boto3
import engage
from botocore.config import Config

T = TypeVar("T")
RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 8})


@dataclass(frozen=True)
class Target:
    kind: str  # "aws" or "local"
    stack_name: str
    session: boto3.session.Session
    api_url: str
    outputs: dict[str, str]
    endpoint_url: str | None = None  # the local stack's one endpoint for every service; None on AWS
    patience: float = 60.0  # how long a poll waits for asynchronous work (seconds)
    interval: float = 0.25  # between two looks
    # The From address of test email; None sends without one, from the stack's EmailFromAddress.
    from_address: str | None = None

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url, config=RETRIES)

    def pinpoint(self) -> Any:
        """boto3's pinpoint client for the stack's API, signed as the project's clients sign it."""
        return engage.pinpoint_client(self.api_url, session=self.session)

    def output(self, key: str) -> str:
        if key not in self.outputs:
            raise AssertionError(
                f"stack {self.stack_name} has no output {key!r} (it has: {', '.join(sorted(self.outputs))})"
            )
        return self.outputs[key]

    def describe(self) -> str:
        where = f"in {self.session.region_name}" if self.kind == "aws" else f"at {self.endpoint_url}"
        return f"{'deployed' if self.kind == 'aws' else 'local'} stack {self.stack_name!r} {where}"

    def eventually(
        self,
        probe: Callable[[], T],
        what: str,
        timeout: float | None = None,
        state: Callable[[], Any] | None = None,
    ) -> T:
        """`probe()`'s first truthy answer, looked for until `timeout` (the target's patience) has
        passed; then an AssertionError naming `what` and what `state()` (else the probe) last said."""
        limit = self.patience if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            answer = probe()
            if answer:
                return answer
            if time.monotonic() >= deadline:
                last = state() if state else answer
                raise AssertionError(
                    f"{what}: not seen within {limit:g}s on the {self.describe()}; last: {last!r}"
                )
            time.sleep(self.interval)


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The stack's outputs by key, as DescribeStacks answers them."""
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    if not stack["StackStatus"].endswith("_COMPLETE") or "ROLLBACK" in stack["StackStatus"]:
        raise RuntimeError(f"stack {stack_name} is {stack['StackStatus']}, not deployed")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def aws_target(stack_name: str, session: boto3.session.Session, from_address: str | None) -> Target:
    outputs = stack_outputs(session.client("cloudformation", config=RETRIES), stack_name)
    return Target(
        "aws",
        stack_name,
        session,
        api_url=outputs["PinpointApiUrl"],
        outputs=outputs,
        patience=300.0,
        interval=2.0,
        from_address=from_address,
    )


def local_target(endpoint_url: str, api_url: str, region: str, stack_name: str = "engage") -> Target:
    session = boto3.session.Session(
        aws_access_key_id="local",
        aws_secret_access_key="local",  # the local stack takes any credentials
        region_name=region,
    )
    cloudformation = session.client("cloudformation", endpoint_url=endpoint_url, config=RETRIES)
    return Target(
        "local",
        stack_name,
        session,
        api_url=api_url,
        outputs=stack_outputs(cloudformation, stack_name),
        endpoint_url=endpoint_url,
        from_address="cloud-tests@example.com",
    )


@dataclass
class EventStream:
    """The records put on a Kinesis stream since the reader was made (less a minute for clock
    skew), read as any consumer reads them: GetRecords on every shard, shards split since then
    included, each call going on from where the last one stopped."""

    kinesis: Any
    stream_name: str
    since: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(minutes=1))
    records: list[dict[str, Any]] = field(default_factory=list)
    _iterators: dict[str, str | None] = field(default_factory=dict)
    _last: dict[str, str] = field(default_factory=dict)  # the last sequence number read, by shard

    def read(self) -> list[dict[str, Any]]:
        """Every record seen so far, as parsed JSON."""
        for shard_id in self._shards():
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._iterator(shard_id)
        for shard_id, iterator in list(self._iterators.items()):
            while iterator:
                try:
                    page = self.kinesis.get_records(ShardIterator=iterator, Limit=1000)
                except self.kinesis.exceptions.ExpiredIteratorException:
                    iterator = self._iterator(shard_id)
                    continue
                for record in page["Records"]:
                    self._last[shard_id] = record["SequenceNumber"]
                    with contextlib.suppress(ValueError):
                        self.records.append(json.loads(record["Data"]))
                iterator = page.get("NextShardIterator")
                if not page["Records"] and not page.get("MillisBehindLatest"):
                    break  # caught up with the shard's tip
            self._iterators[shard_id] = iterator
        return self.records

    def _shards(self) -> list[str]:
        shards, page = [], self.kinesis.list_shards(StreamName=self.stream_name)
        while True:
            shards.extend(s["ShardId"] for s in page["Shards"])
            if not page.get("NextToken"):
                return shards
            page = self.kinesis.list_shards(NextToken=page["NextToken"])

    def _iterator(self, shard_id: str) -> str:
        where = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": self._last[shard_id]}
            if shard_id in self._last
            else {"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": self.since}
        )
        return self.kinesis.get_shard_iterator(StreamName=self.stream_name, ShardId=shard_id, **where)[
            "ShardIterator"
        ]


def remove_objects(s3: Any, bucket: str, prefix: str) -> None:
    """Every version of every object under `prefix` (the stack's buckets are versioned)."""
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        versions = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(versions), 1000):
            s3.delete_objects(
                Bucket=bucket, Delete={"Objects": versions[start : start + 1000], "Quiet": True}
            )
