"""Campaign schedules on EventBridge Scheduler: one schedule per campaign in the stack's schedule
group, firing the campaign schedule function (which names the run after the scheduled minute), with
retries and a dead-letter queue for what can't be delivered."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.scheduler import ScheduleGroup
from engage.campaigns.schedule import SchedulePlan


class SchedulerCampaignSchedules(ScheduleGroup):
    def put(self, name: str, plan: SchedulePlan, document: Mapping[str, Any]) -> None:
        request: dict[str, Any] = {
            "Name": name,
            "GroupName": self.group,
            "ScheduleExpression": plan.expression,
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {**self.target, "Input": json.dumps(document)},
            "State": "ENABLED",
        }
        if plan.start_date:
            request["StartDate"] = plan.start_date
        if plan.end_date:
            request["EndDate"] = plan.end_date
        try:
            self.client.update_schedule(**request)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            self.client.create_schedule(**request)

    def delete(self, name: str) -> None:
        try:
            self.client.delete_schedule(Name=name, GroupName=self.group)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
