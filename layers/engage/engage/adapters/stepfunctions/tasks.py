"""A workflow step waiting on a task token (waitForTaskToken), answered: SendTaskSuccess lets the
workflow go on, SendTaskFailure ends the step with an error of ours. A token the workflow no longer
waits on (timed out, or answered already) is a conflict, not a failure of the call."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from engage.errors import ConflictError

GONE = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


class TaskAnswers:
    def __init__(self, client: Any) -> None:  # a boto3 Step Functions client
        self.client = client

    def answer(self, token: str, approved: bool, reason: str | None) -> None:
        try:
            if approved:
                self.client.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
            else:
                self.client.send_task_failure(
                    taskToken=token, error="CampaignRejected", cause=reason or "rejected"
                )
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in GONE:
                raise ConflictError(f"its approval is no longer awaited ({code})") from exc
            raise
