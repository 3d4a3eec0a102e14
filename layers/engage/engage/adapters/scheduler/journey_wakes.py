"""Journey wakes on EventBridge Scheduler: a one-time schedule per journey and minute some
participant is due at (`at(...)`, deleted after it fires), targeting the journey wake function, with
retries and a dead-letter queue. Two workers arming the same minute make one schedule."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.scheduler import ScheduleGroup
from engage.journeys.flow import minute_after


def wake_name(app_id: str, journey_id: str, at: float) -> str:
    """At most 64 characters: the journey's hash and the minute."""
    journey = hashlib.sha256(f"{app_id}/{journey_id}".encode()).hexdigest()[:32]
    return f"journey-{journey}-{minute_after(at):%Y%m%d%H%M}"


class SchedulerJourneyWakes(ScheduleGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.armed: set[str] = set()  # this container's: each minute is created once

    def arm(self, app_id: str, journey_id: str, at: float) -> None:
        name = wake_name(app_id, journey_id, at)
        if name in self.armed:
            return
        document = {"ApplicationId": app_id, "JourneyId": journey_id}
        try:
            self.client.create_schedule(
                Name=name,
                GroupName=self.group,
                ScheduleExpression=f"at({minute_after(at):%Y-%m-%dT%H:%M:%S})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={**self.target, "Input": json.dumps(document)},
                ActionAfterCompletion="DELETE",
                State="ENABLED",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConflictException":
                raise
        self.armed.add(name)
