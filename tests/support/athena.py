"""An Athena client under botocore's Stubber, and a clock its polls can sleep on without waiting:
for the tests of code that runs Athena queries (the lake's views, the KPIs)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber


class Clock:
    """Monotonic seconds that move only when slept on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def athena() -> tuple[Any, Stubber]:
    client = boto3.client("athena", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)
