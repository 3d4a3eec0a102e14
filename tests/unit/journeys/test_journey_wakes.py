"""Journey wakes on EventBridge Scheduler, checked by botocore's Stubber against the scheduler
model: one one-time schedule per journey and minute, deleted after it fires; a minute armed twice
(by two workers) is one schedule."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.scheduler.journey_wakes import SchedulerJourneyWakes, wake_name

APP = "0123456789abcdef0123456789abcdef"
AT = datetime(2026, 12, 1, 12, 0, 30, tzinfo=UTC).timestamp()  # due at 12:00:30: woken at 12:01


def request():
    return {
        "Name": wake_name(APP, "j1", AT),
        "GroupName": "wakes",
        "ScheduleExpression": "at(2026-12-01T12:01:00)",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": "arn:aws:lambda:us-east-1:123456789012:function:wake",
            "RoleArn": "arn:aws:iam::123456789012:role/wake",
            "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:wake-dlq"},
            "Input": json.dumps({"ApplicationId": APP, "JourneyId": "j1"}),
        },
        "ActionAfterCompletion": "DELETE",
        "State": "ENABLED",
    }


def wakes(client):
    return SchedulerJourneyWakes(
        client,
        "wakes",
        "arn:aws:lambda:us-east-1:123456789012:function:wake",
        "arn:aws:iam::123456789012:role/wake",
        "arn:aws:sqs:us-east-1:123456789012:wake-dlq",
    )


def test_a_wake_is_a_one_time_schedule_at_the_minute_after_it_is_due():
    client = boto3.client("scheduler", region_name="us-east-1")
    assert len(wake_name(APP, "j1", AT)) <= 64
    with Stubber(client) as stub:
        stub.add_response(
            "create_schedule", {"ScheduleArn": "arn:aws:scheduler:::schedule/wakes/x"}, request()
        )
        armed = wakes(client)
        armed.arm(APP, "j1", AT)
        armed.arm(APP, "j1", AT + 10)  # the same minute: no second call
        stub.assert_no_pending_responses()


def test_a_minute_another_worker_armed_is_taken_as_armed_and_other_errors_are_raised():
    client = boto3.client("scheduler", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("create_schedule", "ConflictException", expected_params=request())
        stub.add_client_error("create_schedule", "ThrottlingException", expected_params=request())
        wakes(client).arm(APP, "j1", AT)
        with pytest.raises(Exception, match="ThrottlingException"):
            wakes(client).arm(APP, "j1", AT)
