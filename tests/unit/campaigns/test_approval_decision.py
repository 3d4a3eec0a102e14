"""A person's answer to a chained campaign run awaiting approval (engage.campaigns.runs'
ApprovalDecision), and the chain's waiting step answered through Step Functions (TaskAnswers,
against botocore's model)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.stepfunctions.tasks import TaskAnswers
from engage.campaigns.runs import ApprovalDecision, activity
from engage.errors import ConflictError, NotFoundError


class Runs:
    def __init__(self, *runs: dict) -> None:
        self.runs = {r["Id"]: dict(r) for r in runs}

    def get(self, app_id: str, run_id: str) -> dict | None:
        return self.runs.get(run_id)

    def cancel(self, app_id: str, run_id: str, active: tuple[str, ...]) -> dict | None:
        run = self.runs.get(run_id)
        if run is None or run["JobStatus"] not in active:
            return None
        run["JobStatus"] = "CANCELLED"
        return run


def _run(run_id: str, status: str = "PENDING", token: str | None = "tok") -> dict:
    run = {"Id": run_id, "ApplicationId": "app", "JobStatus": status, "CreationDate": "2026-12-07T00:00:00Z"}
    if token:
        run["Approval"] = {"Token": token}
    return {**run, "Definition": {"CampaignId": "c1"}, "TotalProcessed": 0}


def test_an_approval_resumes_the_chain_and_a_rejection_cancels_the_run_first():
    answered: list = []
    runs = Runs(_run("yes"), _run("no"))
    decision = ApprovalDecision(runs, lambda *a: answered.append(a))
    decision.decide("app", "yes", True)
    decision.decide("app", "no", False, "wrong list")
    assert answered == [("tok", True, None), ("tok", False, "wrong list")]
    assert (runs.runs["yes"]["JobStatus"], runs.runs["no"]["JobStatus"]) == ("PENDING", "CANCELLED")


def test_a_run_not_awaiting_approval_is_a_conflict_and_a_missing_one_not_found():
    decision = ApprovalDecision(Runs(_run("done", "COMPLETED"), _run("plain", token=None)), lambda *a: None)
    for run_id in ("done", "plain"):
        with pytest.raises(ConflictError, match="not awaiting approval"):
            decision.decide("app", run_id, True)
    with pytest.raises(NotFoundError):
        decision.decide("app", "nope", True)


def test_a_runs_activity_says_whether_it_awaits_approval():
    assert activity(_run("asking"))["AwaitingApproval"] is True
    assert "AwaitingApproval" not in activity(_run("plain", token=None))  # a PENDING run of no chain
    assert "AwaitingApproval" not in activity(_run("answered", "CANCELLED"))


def test_task_answers_send_success_or_failure_and_a_gone_token_is_a_conflict():
    client = boto3.client(
        "stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    answers = TaskAnswers(client)
    with Stubber(client) as stub:
        stub.add_response("send_task_success", {}, {"taskToken": "t1", "output": '{"approved": true}'})
        stub.add_response(
            "send_task_failure", {}, {"taskToken": "t2", "error": "CampaignRejected", "cause": "wrong list"}
        )
        stub.add_client_error("send_task_success", "TaskTimedOut", "Task Timed Out")
        stub.add_client_error("send_task_success", "ThrottlingException", "slow down")
        answers.answer("t1", True, None)
        answers.answer("t2", False, "wrong list")
        with pytest.raises(ConflictError, match="TaskTimedOut"):
            answers.answer("t3", True, None)
        with pytest.raises(Exception, match="ThrottlingException"):
            answers.answer("t4", True, None)
