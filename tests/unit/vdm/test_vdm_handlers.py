"""The VDM export's handlers (functions/vdm_*/app.py) fed their sample events (events/vdm_*/), with
in-memory SES export jobs, export copies and URL signer put in at the wiring's accessor; and the
wiring itself: its settings from the environment and its collaborators on a fake client factory."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from engage.adapters.cloudfront.signing import new_private_key_pem, secret_document
from engage.errors import ValidationError
from engage.vdm import wiring
from engage.vdm.export import VdmExport
from engage.vdm.model import Totals, VdmNotEnabledError, read_totals
from engage.vdm.wiring import VdmSettings

from tests.support.thin_handlers import Context, handler, sample

NOW = datetime(2026, 11, 1, 6, 5, tzinfo=UTC)
EXPORT_CSV = (
    "Timestamp,EMAIL_IDENTITY,Name,Aggregation,Value\n"
    "2026-10-01T00:00:00Z,example.com,SEND,VOLUME,10\n"
    "2026-10-01T00:00:00Z,example.com,DELIVERY,RATE,0.8\n"
    "2026-10-02T00:00:00Z,example.com,SEND,VOLUME,30\n"
    "2026-10-02T00:00:00Z,example.com,DELIVERY,RATE,1.0\n"
)
EXPORTS = {
    "CSV": EXPORT_CSV,
    "JSON": "".join(json.dumps(r) + "\n" for r in csv.DictReader(io.StringIO(EXPORT_CSV))),
}
SETTINGS = VdmSettings(
    vdm_metrics="SEND:VOLUME,DELIVERY:RATE",
    vdm_dimensions="EMAIL_IDENTITY=*",
    vdm_poll_seconds="60",
    vdm_max_polls="120",
    vdm_link_hours="72",
    asset_bucket="assets",
    asset_domain="d1.cloudfront.net",
    signing_key_id="K2ABC",
    signing_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:signing",
)


class MemoryJobs:
    """SES v2's export jobs in memory: created PROCESSING, finished by the test."""

    def __init__(self, vdm_enabled: bool = True) -> None:
        self.vdm_enabled = vdm_enabled
        self.jobs: dict[str, dict[str, Any]] = {}

    def require_vdm(self) -> None:
        if not self.vdm_enabled:
            raise VdmNotEnabledError("Virtual Deliverability Manager is not enabled on this account")

    def create(self, request: dict[str, Any]) -> str:
        job_id = f"job-{len(self.jobs) + 1}"
        self.jobs[job_id] = {"Request": request, "Status": "PROCESSING"}
        return job_id

    def finish(self, job_id: str, data_format: str = "CSV") -> None:
        self.jobs[job_id] = {
            "Status": "COMPLETED",
            "Link": f"https://ses-export/{job_id}?sig",
            "Format": data_format,
        }

    def status(self, job_id: str) -> dict[str, str]:
        return {"JobId": job_id, "Status": self.jobs[job_id]["Status"], "Reason": ""}

    def cancel(self, job_id: str) -> dict[str, str]:
        if self.jobs[job_id]["Status"] == "PROCESSING":
            self.jobs[job_id]["Status"] = "CANCELLED"
        return self.status(job_id)

    def fresh_link(self, job_id: str) -> tuple[str, str]:
        job = self.jobs[job_id]
        if job["Status"] != "COMPLETED":
            raise RuntimeError(f"export job {job_id} is {job['Status']}, not COMPLETED")
        return job["Link"], job["Format"]


class MemoryCopies:
    """The asset bucket's copies of exports: every link downloads EXPORTS in its format."""

    def __init__(self) -> None:
        self.stored: dict[str, tuple[str, str]] = {}

    def __call__(self, link: str, key: str, metrics: list[dict[str, str]], data_format: str) -> Totals:
        self.stored[key] = (link, EXPORTS[data_format])
        return read_totals(io.StringIO(EXPORTS[data_format], newline=""), metrics, data_format)


class FakeSigner:
    def __init__(self) -> None:
        self.made = 0

    def __call__(self) -> FakeSigner:  # the signer factory: the key is read once per notice
        self.made += 1
        return self

    def sign(self, url: str, expires_at: datetime) -> str:
        return f"{url}?Expires={int(expires_at.timestamp())}&Signature=fake"


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The wiring's accessor answers with the use cases on in-memory collaborators."""
    parts = {"jobs": MemoryJobs(), "copies": MemoryCopies(), "signer": FakeSigner()}
    export = VdmExport(lambda: parts["jobs"], parts["copies"], parts["signer"], SETTINGS, now=lambda: NOW)
    monkeypatch.setattr(wiring, "vdm_export", lambda: export)
    return parts


# --- plan -------------------------------------------------------------------------------------------
def test_the_scheduled_plan_covers_the_month_before_with_the_configured_jobs(fakes):
    answer = handler("vdm_plan")(sample("vdm/vdm_plan/scheduled.json"), Context())
    metrics = [{"Name": "SEND", "Aggregation": "VOLUME"}, {"Name": "DELIVERY", "Aggregation": "RATE"}]
    assert answer == {
        "Month": "2026-10",
        "Jobs": [
            {
                "Request": {
                    "ExportDataSource": {
                        "MetricsDataSource": {
                            "Namespace": "VDM",
                            "Dimensions": {"EMAIL_IDENTITY": ["*"]},
                            "Metrics": metrics,
                            "StartDate": "2026-10-01T00:00:00+00:00",
                            "EndDate": "2026-11-01T00:00:00+00:00",
                        }
                    },
                    "ExportDestination": {"DataFormat": "CSV"},
                },
                "Metrics": metrics,
                "DataFormat": "CSV",
            }
        ],
        "PollSeconds": 60,
        "MaxPolls": 120,
    }
    assert answer["Jobs"][0]["Request"] == sample("vdm/vdm_job/create.json")["Request"]  # what CreateJob gets


def test_a_month_asked_for_is_planned_and_vdm_off_stops_the_plan(fakes):
    plan = handler("vdm_plan")
    assert plan({"Month": "2024-02"}, Context())["Month"] == "2024-02"
    fakes["jobs"].vdm_enabled = False
    with pytest.raises(VdmNotEnabledError):
        plan(sample("vdm/vdm_plan/scheduled.json"), Context())


# --- job --------------------------------------------------------------------------------------------
def test_a_job_is_created_checked_and_cancelled_when_the_polls_run_out(fakes):
    job = handler("vdm_job")
    created = job(sample("vdm/vdm_job/create.json"), Context())
    assert created == {"JobId": "job-1", "Status": "CREATED", "Reason": ""}
    assert fakes["jobs"].jobs["job-1"]["Request"] == sample("vdm/vdm_job/create.json")["Request"]
    check = {**sample("vdm/vdm_job/check.json"), "JobId": "job-1"}
    assert job(check, Context()) == {"JobId": "job-1", "Status": "PROCESSING", "Reason": ""}
    cancel = {**check, "Action": "cancel"}
    assert job(cancel, Context()) == {"JobId": "job-1", "Status": "CANCELLED", "Reason": ""}


def test_a_job_step_without_what_it_needs_fails_as_before(fakes):
    job = handler("vdm_job")
    with pytest.raises(ValidationError, match="create, check or cancel"):
        job({"Action": "restart", "JobId": "job-1"}, Context())
    with pytest.raises(KeyError, match="JobId"):
        job({"Action": "check"}, Context())
    with pytest.raises(KeyError, match="Request"):
        job({"Action": "create"}, Context())


# --- collect ----------------------------------------------------------------------------------------
def test_a_finished_export_is_copied_under_private_and_summed(fakes):
    fakes["jobs"].jobs["JOB_ID"] = {}
    fakes["jobs"].finish("JOB_ID")
    answer = handler("vdm_collect")(sample("vdm/vdm_collect/completed.json"), Context())
    assert answer == {
        "Outcome": "COMPLETED",
        "JobId": "JOB_ID",
        "Key": "private/vdm/2026-10/JOB_ID.csv",
        "Rows": 2,
        "Totals": {"send_volume": 40.0, "delivery_rate": 0.95},  # (10 * 0.8 + 30 * 1.0) / 40
    }
    assert fakes["copies"].stored["private/vdm/2026-10/JOB_ID.csv"][0] == "https://ses-export/JOB_ID?sig"


def test_a_json_export_is_stored_as_json_lines_and_an_unfinished_one_is_not_copied(fakes):
    fakes["jobs"].finish("job-9", "JSON")
    fakes["jobs"].jobs["job-10"] = {"Status": "PROCESSING"}
    collect = handler("vdm_collect")
    event = sample("vdm/vdm_collect/completed.json")
    answer = collect({**event, "JobId": "job-9"}, Context())
    assert answer["Key"] == "private/vdm/2026-10/job-9.jsonl"
    assert answer["Totals"] == {"send_volume": 40.0, "delivery_rate": 0.95}
    with pytest.raises(RuntimeError, match="not COMPLETED"):
        collect({**event, "JobId": "job-10"}, Context())
    assert list(fakes["copies"].stored) == ["private/vdm/2026-10/job-9.jsonl"]


# --- report -----------------------------------------------------------------------------------------
def test_the_notice_of_a_completed_run_has_totals_and_a_signed_link_per_export(fakes):
    notice = handler("vdm_report")(sample("vdm/vdm_report/outcomes.json"), Context())
    expires = int(datetime(2026, 11, 4, 6, 5, tzinfo=UTC).timestamp())  # NOW + VDM_LINK_HOURS
    link = f"https://d1.cloudfront.net/private/vdm/2026-10/JOB_ID.csv?Expires={expires}&Signature=fake"
    assert notice == {
        "Subject": "VDM export 2026-10: ready",
        "Message": "\n".join(
            [
                "The VDM export for 2026-10 is ready.",
                "Export JOB_ID (2 rows):",
                "  send_volume: 12",
                "  delivery_rate: 90.00% (weighted by send volume)",
                f"  Download (for 72 hours): {link}",
            ]
        ),
        "Failed": False,
        "Month": "2026-10",
    }
    assert fakes["signer"].made == 1


def test_a_partial_month_is_a_failure_notice_without_links(fakes):
    event = sample("vdm/vdm_report/outcomes.json")
    event["Outcomes"].append(
        {"Outcome": "TIMED_OUT", "JobId": "job-2", "Reason": "no result after 120 polls"}
    )
    notice = handler("vdm_report")(event, Context())
    assert notice["Failed"] is True and notice["Subject"] == "VDM export 2026-10: failed"
    assert "- job job-2: TIMED_OUT: no result after 120 polls" in notice["Message"]
    assert "Download" not in notice["Message"] and fakes["signer"].made == 0


def test_a_run_that_stopped_says_why_for_the_month_it_was_for(fakes):
    notice = handler("vdm_report")(sample("vdm/vdm_report/failure.json"), Context())
    assert notice["Month"] == "2026-10" and notice["Failed"] is True
    assert notice["Message"].startswith(
        "The VDM export for 2026-10 did not run: VdmNotEnabledError: Virtual Deliverability Manager"
    )
    assert "PutAccountVdmAttributes" in notice["Message"]
    stopped_after_planning = {
        "Month": "2024-05",
        "plan": {"Month": "2024-04"},
        "error": {"Error": "States.Timeout"},
    }
    notice = handler("vdm_report")(stopped_after_planning, Context())
    assert notice["Month"] == "2024-04" and "States.Timeout: ." in notice["Message"]
    assert fakes["signer"].made == 0


# --- wiring -----------------------------------------------------------------------------------------
def test_the_settings_are_read_from_the_environment_variables_the_functions_have():
    environ = {name.upper(): value for name, value in vars(SETTINGS).items() if value is not None}
    assert set(environ) == {
        "VDM_METRICS", "VDM_DIMENSIONS", "VDM_DATA_FORMAT", "VDM_POLL_SECONDS", "VDM_MAX_POLLS",
        "VDM_LINK_HOURS", "ASSET_BUCKET", "ASSET_DOMAIN", "SIGNING_KEY_ID", "SIGNING_SECRET_ARN",
    }  # fmt: skip
    assert VdmSettings.from_env({**environ, "UNRELATED": "x"}) == SETTINGS
    report_only = VdmSettings.from_env({"VDM_LINK_HOURS": "1.5", "ASSET_DOMAIN": "d"})
    assert (report_only.link_hours(), report_only.link_domain(), report_only.data_format()) == (
        1.5,
        "d",
        "CSV",
    )
    with pytest.raises(ValidationError, match="VDM_METRICS"):
        report_only.metrics()


class FakeClients:
    """A client factory whose Secrets Manager holds the signing key (the other clients unused)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.asked: list[str] = []

    def client(self, service: str) -> Any:
        self.asked.append(service)
        assert service == "secretsmanager"
        return self

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        assert SecretId == SETTINGS.signing_secret_arn
        return {"SecretString": self.secret}


def test_the_wiring_signs_links_with_the_stored_key_read_for_each_notice():
    factory = FakeClients(secret_document(new_private_key_pem()))
    export = wiring.build(SETTINGS, factory)  # type: ignore[arg-type]
    for _ in range(2):
        notice = export.notice("2026-10", sample("vdm/vdm_report/outcomes.json")["Outcomes"], None)
        link = notice["Message"].rsplit(" ", 1)[-1]
        query = parse_qs(urlsplit(link).query)
        assert link.startswith("https://d1.cloudfront.net/private/vdm/2026-10/JOB_ID.csv?")
        assert query["Key-Pair-Id"] == ["K2ABC"] and query["Signature"]
    assert factory.asked == ["secretsmanager", "secretsmanager"]
    factory.secret = json.dumps({})
    with pytest.raises(RuntimeError, match="holds no key"):
        export.notice("2026-10", sample("vdm/vdm_report/outcomes.json")["Outcomes"], None)


def test_the_accessor_builds_the_use_cases_once_from_the_environment(monkeypatch):
    wiring.vdm_export.cache_clear()
    monkeypatch.setenv("VDM_LINK_HOURS", "2")
    try:
        export = wiring.vdm_export()
        assert wiring.vdm_export() is export
        assert (
            export.notice(None, [], {"Error": "States.Timeout"})["Subject"] == "VDM export this month: failed"
        )
        with pytest.raises(ValidationError, match="VDM_METRICS"):  # the report function's: no plan settings
            export.plan("2026-10", None)
    finally:
        wiring.vdm_export.cache_clear()
