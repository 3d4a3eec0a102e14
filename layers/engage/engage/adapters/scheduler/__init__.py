"""AWS scheduler adapters."""

from __future__ import annotations

from typing import Any


class ScheduleGroup:
    """Schedules of one group, all with one target: its retries, and the dead-letter queue for what
    can't be delivered."""

    def __init__(
        self, client: Any, group: str, target_arn: str, role_arn: str, dead_letter_arn: str
    ) -> None:  # a boto3 EventBridge Scheduler client
        self.client = client
        self.group = group
        self.target = {
            "Arn": target_arn,
            "RoleArn": role_arn,
            "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": dead_letter_arn},
        }
