"""The monthly VDM export workflow on the local stack, driven from the outside: the schedule fires
(a local tick at 06:00 on the 1st), SES's export jobs move on the emulators' clock, and the
stakeholders' notices arrive on the VDM topic, with a signed download link that works through the
asset distribution (and stops working when it expires)."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import datetime, timedelta

import pytest

from engage_local.api import wait_until
from tests.e2e.audience.test_imports import _sample
from tests.e2e.conftest import invoke
from tests.e2e.test_emulated_services import control
from tests.support.topics import TopicInbox

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def vdm(local_stack):
    outputs = local_stack.stacks["engage"].outputs
    return {
        "workflow": outputs["VdmWorkflowArn"],
        "inbox": TopicInbox(local_stack, outputs["VdmTopicArn"], f"vdm-{uuid.uuid4().hex[:6]}"),
        "ses": local_stack.client("sesv2"),
        "sfn": local_stack.client("stepfunctions"),
    }


def emulator_now(local_stack) -> datetime:
    return datetime.fromisoformat(control(local_stack, "clock")["now"].replace("Z", "+00:00"))


def first_of_next_month(moment: datetime) -> datetime:
    following = (moment.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following.replace(hour=6, minute=0, second=0, microsecond=0)


def vdm_enabled(vdm, enabled: bool) -> None:
    vdm["ses"].put_account_vdm_attributes(VdmAttributes={"VdmEnabled": "ENABLED" if enabled else "DISABLED"})


def job_ids(vdm) -> set[str]:
    return {j["JobId"] for j in vdm["ses"].list_export_jobs()["ExportJobs"]}


def start(vdm, month: str) -> str:
    """Starts a run as a manual re-run would (the schedule's own path is its own test)."""
    return vdm["sfn"].start_execution(stateMachineArn=vdm["workflow"], input=json.dumps({"Month": month}))[
        "executionArn"
    ]


def new_job(vdm, before: set[str]) -> str:
    created = wait_until(lambda: job_ids(vdm) - before, 30, 0.1)
    assert created, f"no export job was created; notices: {vdm['inbox'].notices(lambda *_: True)}"
    (job,) = job_ids(vdm) - before
    return job


def started_job(vdm, local_stack, month: str) -> tuple[str, str]:
    """A run for `month` with VDM on, once its (one) export job exists: (execution, job id)."""
    vdm_enabled(vdm, True)
    before = job_ids(vdm)
    execution = start(vdm, month)
    return execution, new_job(vdm, before)


def finished(vdm, execution: str, timeout: float = 60) -> dict:
    def done():
        return vdm["sfn"].describe_execution(executionArn=execution)["status"] != "RUNNING"

    assert wait_until(done, timeout, 0.2), "the VDM workflow did not finish"
    return vdm["sfn"].describe_execution(executionArn=execution)


def notice(vdm, month: str, marker: str) -> tuple[str, str]:
    def found():
        return vdm["inbox"].notices(lambda subject, message: month in subject and marker in message)

    assert wait_until(found, 30, 0.2), f"no VDM notice for {month} saying {marker!r}"
    return found()[-1]


def send(local_stack, identity: str, to: str) -> None:
    local_stack.client("sesv2").send_email(
        FromEmailAddress=f"reports@{identity}",
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": "Monthly"}, "Body": {"Text": {"Data": "hello"}}}},
    )


def test_the_monthly_schedule_exports_the_month_before_and_sends_totals_with_a_signed_link(local_stack, vdm):
    vdm_enabled(vdm, True)
    identity = f"vdm-{uuid.uuid4().hex[:6]}.example"
    for to in (
        "success@simulator.amazonses.com",
        "success@simulator.amazonses.com",
        "bounce@simulator.amazonses.com",
    ):
        send(local_stack, identity, to)
    at = first_of_next_month(emulator_now(local_stack))  # the schedule's cron(0 6 1 * ? *) fires then
    month = (at - timedelta(days=1)).strftime("%Y-%m")
    before = job_ids(vdm)
    fired = control(local_stack, "tick", at=at.strftime("%Y-%m-%dT%H:%M:%SZ"))["fired"]
    assert any(f["targets"] == [vdm["workflow"]] for f in fired), fired
    job = new_job(vdm, before)
    export = vdm["ses"].get_export_job(JobId=job)
    source = export["ExportDataSource"]["MetricsDataSource"]
    assert (source["StartDate"].day, source["EndDate"].day) == (1, 1)
    assert source["StartDate"].strftime("%Y-%m") == month and source["Dimensions"] == {
        "EMAIL_IDENTITY": ["*"]
    }
    assert len(source["Metrics"]) == 10
    control(local_stack, "clock", advance_seconds=61)  # SES finishes the job on its own clock
    subject, message = notice(vdm, month, "is ready")
    assert subject == f"VDM export {month}: ready"
    assert re.search(r"send_volume: [1-9]", message) and "permanent_bounce_rate" in message
    link = re.search(r"Download \(for 1 hours\): (\S+)", message).group(1)
    assert "Signature=" in link and "Key-Pair-Id=" in link and f"/private/vdm/{month}/{job}.csv" in link
    status, _headers, body = local_stack.cdn_get(link)
    assert status == 200
    records = list(csv.DictReader(io.StringIO(body.decode())))  # as SES writes it: events/aws/vdm/
    sends = [r for r in records if r["EMAIL_IDENTITY"] == identity and (r["Name"], r["Aggregation"]) == (
        "SEND", "VOLUME")]  # fmt: skip
    assert sum(float(r["Value"]) for r in sends) == 3
    unsigned, _, _ = local_stack.cdn_get(link.split("?")[0])
    assert unsigned == 403, "the export is reachable only through the signed link"
    outputs = local_stack.stacks["engage"].outputs
    stored = local_stack.client("s3").head_object(
        Bucket=outputs["AssetBucketName"], Key=f"private/vdm/{month}/{job}.csv"
    )
    assert stored["ServerSideEncryption"] == "AES256"
    assert finished(vdm, fired_execution(vdm, month))["status"] == "SUCCEEDED"
    control(local_stack, "clock", advance_seconds=3601)  # the next test starts at real time again
    expired, _, _ = local_stack.cdn_get(link)
    assert expired == 403, "the link stops working when its lifetime is over"


def fired_execution(vdm, month: str) -> str:
    for execution in vdm["sfn"].list_executions(stateMachineArn=vdm["workflow"])["executions"]:
        description = vdm["sfn"].describe_execution(executionArn=execution["executionArn"])
        scheduled = json.loads(description["input"]).get("ScheduledTime", "")
        if scheduled and (datetime.fromisoformat(scheduled) - timedelta(days=1)).strftime("%Y-%m") == month:
            return execution["executionArn"]
    raise AssertionError(f"no scheduled run for {month}")


def test_a_run_stops_with_a_clear_notice_when_vdm_is_off(local_stack, vdm):
    vdm_enabled(vdm, False)
    before = job_ids(vdm)
    execution = start(vdm, "2026-01")
    try:
        assert finished(vdm, execution)["status"] == "FAILED"
        subject, message = notice(vdm, "2026-01", "did not run")
        assert subject == "VDM export 2026-01: failed"
        assert "not enabled on this account" in message and "PutAccountVdmAttributes" in message
        assert job_ids(vdm) == before, "no export job is created for an account without VDM"
    finally:
        vdm_enabled(vdm, True)


def test_a_job_that_fails_is_reported_as_failed(local_stack, vdm):
    execution, _job = started_job(vdm, local_stack, "2026-02")
    vdm_enabled(vdm, False)  # switched off after the job was accepted: SES fails it when it runs
    try:
        control(local_stack, "clock", advance_seconds=61)
        assert finished(vdm, execution)["status"] == "FAILED"
        _subject, message = notice(vdm, "2026-02", "did not complete")
        assert re.search(r"FAILED: Virtual Deliverability Manager is not enabled", message)
        assert "Download" not in message
    finally:
        vdm_enabled(vdm, True)


def test_a_job_cancelled_in_ses_is_reported_as_cancelled(local_stack, vdm):
    execution, job = started_job(vdm, local_stack, "2026-03")
    vdm["ses"].cancel_export_job(JobId=job)
    assert finished(vdm, execution)["status"] == "FAILED"
    _subject, message = notice(vdm, "2026-03", "did not complete")
    assert f"job {job}: CANCELLED" in message


def test_a_job_that_never_finishes_is_cancelled_after_the_poll_bound(local_stack, vdm):
    execution, job = started_job(vdm, local_stack, "2026-04")  # the clock stands still: it stays CREATED
    assert finished(vdm, execution)["status"] == "FAILED"
    _subject, message = notice(vdm, "2026-04", "TIMED_OUT")
    assert f"job {job}: TIMED_OUT: no result after 10 polls 1 seconds apart; the job was cancelled" in message
    assert vdm["ses"].get_export_job(JobId=job)["JobStatus"] == "CANCELLED"


def test_the_sample_events_drive_each_vdm_function(local_stack, vdm):
    """events/vdm/vdm_plan/, events/vdm/vdm_job/, events/vdm/vdm_collect/, events/vdm/vdm_report/: as `sam
    local
    invoke` would run them, through the deployed functions."""
    vdm_enabled(vdm, True)
    plan = invoke(local_stack, "Vdm/VdmPlanFunction", _sample("vdm/vdm_plan/scheduled.json"), "engage")[
        "payload"
    ]
    assert plan["Month"] == "2026-10" and len(plan["Jobs"]) == 1
    created = invoke(local_stack, "Vdm/VdmJobFunction", _sample("vdm/vdm_job/create.json"), "engage")[
        "payload"
    ]
    job = created["JobId"]
    checked = invoke(
        local_stack, "Vdm/VdmJobFunction", _sample("vdm/vdm_job/check.json", JOB_ID=job), "engage"
    )
    assert checked["payload"]["Status"] == "CREATED"
    control(local_stack, "clock", advance_seconds=61)
    collected = invoke(
        local_stack, "Vdm/VdmCollectFunction", _sample("vdm/vdm_collect/completed.json", JOB_ID=job), "engage"
    )["payload"]
    assert collected["Key"] == f"private/vdm/2026-10/{job}.csv" and set(collected["Totals"]) == {
        "send_volume",
        "delivery_rate",
    }
    report = invoke(
        local_stack, "Vdm/VdmReportFunction", _sample("vdm/vdm_report/outcomes.json", JOB_ID=job), "engage"
    )
    link = re.search(r"Download \(for 1 hours\): (\S+)", report["payload"]["Message"]).group(1)
    assert local_stack.cdn_get(link)[0] == 200
    failure = invoke(local_stack, "Vdm/VdmReportFunction", _sample("vdm/vdm_report/failure.json"), "engage")[
        "payload"
    ]
    assert failure["Failed"] and failure["Subject"] == "VDM export 2026-10: failed"
