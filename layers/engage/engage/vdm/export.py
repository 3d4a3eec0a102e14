"""The monthly VDM export's use cases, one per step of its workflow: plan a month's export jobs,
create, check or cancel one job, collect a finished export into the asset bucket with its totals,
and write the stakeholders' notice (with signed download links). Each takes its collaborators: SES's
export jobs, the copy of an export, a URL signer and the area's settings (engage.vdm.wiring gives
the deployed ones; a test gives fakes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from engage import clock
from engage.errors import ValidationError
from engage.obs import logger, metrics
from engage.vdm.model import (
    Month,
    Totals,
    export_requests,
    failure_notice,
    month_of,
    parse_dimensions,
    parse_metrics,
    previous_month,
    summary_notice,
)


class ExportJobs(Protocol):
    """SES v2's export jobs (engage.adapters.ses.vdm_exports.VdmExports)."""

    def require_vdm(self) -> None: ...

    def create(self, request: dict[str, Any]) -> str: ...

    def status(self, job_id: str) -> dict[str, str]: ...

    def cancel(self, job_id: str) -> dict[str, str]: ...

    def fresh_link(self, job_id: str) -> tuple[str, str]: ...


class CopyExport(Protocol):
    """Downloads the export at `link` once, reads its totals and stores it under `key`."""

    def __call__(self, link: str, key: str, metrics: list[dict[str, str]], data_format: str) -> Totals: ...


class Signer(Protocol):
    """Signs a URL of the asset distribution, valid until `expires_at`."""

    def sign(self, url: str, expires_at: datetime) -> str: ...


class ExportSettings(Protocol):
    """The area's configuration; each function has only its own part, read when a step needs it."""

    def metrics(self) -> list[str]: ...  # `NAME:AGGREGATION` items

    def dimensions(self) -> list[str]: ...  # `NAME=value|value` items

    def data_format(self) -> str: ...

    def poll_seconds(self) -> int: ...

    def max_polls(self) -> int: ...

    def link_hours(self) -> float: ...

    def link_domain(self) -> str: ...  # the asset distribution's, the links' host


@dataclass(frozen=True)
class Plan:
    """A month's export jobs (their CreateExportJob requests) and how the workflow polls them."""

    month: Month
    requests: list[dict[str, Any]]
    data_format: str
    poll_seconds: int
    max_polls: int


@dataclass(frozen=True)
class Collected:
    """A finished export, stored under `key`, and its totals."""

    job_id: str
    key: str
    totals: Totals


class VdmExport:
    def __init__(
        self,
        jobs: Callable[[], ExportJobs],  # reached when a step needs them (the report never does)
        copy_export: CopyExport,
        signer: Callable[[], Signer],  # the key is read afresh for each notice with links
        settings: ExportSettings,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._jobs = jobs
        self._copy = copy_export
        self._signer = signer
        self._settings = settings
        self._now = now

    def plan(self, month_label: str | None, scheduled: datetime | None) -> Plan:
        """The month a run covers (`month_label` if asked for, else the calendar month before
        `scheduled`) and its jobs; VDM off on the account is a VdmNotEnabledError."""
        month = month_of(month_label) if month_label else previous_month(_given(scheduled, "ScheduledTime"))
        settings = self._settings
        data_format = settings.data_format()
        requests = export_requests(
            month, parse_metrics(settings.metrics()), parse_dimensions(settings.dimensions()), data_format
        )
        self._jobs().require_vdm()
        logger.info("vdm export planned", extra={"month": month.label, "jobs": len(requests)})
        return Plan(month, requests, data_format, settings.poll_seconds(), settings.max_polls())

    def job(self, action: str | None, job_id: str | None, request: dict[str, Any] | None) -> dict[str, str]:
        """One export job's step: `create` it from `request`, `check` or `cancel` (when the
        workflow's poll bound runs out) the job `job_id`; its id, status and failure reason."""
        if action == "create":
            created = self._jobs().create(_given(request, "Request"))
            logger.info("vdm export job created", extra={"job_id": created})
            return {"JobId": created, "Status": "CREATED", "Reason": ""}
        if action == "check":
            return self._jobs().status(_given(job_id, "JobId"))
        if action == "cancel":
            status = self._jobs().cancel(_given(job_id, "JobId"))
            logger.warning("vdm export job cancelled: no result within the poll bound", extra=status)
            return status
        raise ValidationError("Action", "create, check or cancel")

    def collect(self, job_id: str, month_label: str, exported: list[dict[str, str]]) -> Collected:
        """Copies a finished export (its job read again first, for a fresh link) to
        private/vdm/<month>/<job>.<csv|jsonl> and reads its totals of the `exported` metrics."""
        link, data_format = self._jobs().fresh_link(job_id)
        key = f"private/vdm/{month_label}/{job_id}.{'csv' if data_format == 'CSV' else 'jsonl'}"
        totals = self._copy(link, key, exported, data_format)
        metrics.add_metric(name="VdmExportRows", unit="Count", value=totals.rows)
        logger.info("vdm export copied", extra={"job_id": job_id, "key": key, "rows": totals.rows})
        return Collected(job_id, key, totals)

    def notice(
        self, month_label: str | None, outcomes: list[Mapping[str, Any]], error: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """The stakeholders' notice: what stopped the run when `error` is given, else the jobs'
        `outcomes`, with a signed link per export (valid for the configured hours) when all
        completed."""
        if error is not None:
            notice = failure_notice(month_label, error.get("Error", "Error"), error.get("Cause", ""))
        else:
            hours = self._settings.link_hours()
            if all(o.get("Outcome") == "COMPLETED" for o in outcomes):
                signer = self._signer()
                expires = self._now() + timedelta(hours=hours)
                domain = self._settings.link_domain()
                outcomes = [
                    {**o, "Link": signer.sign(f"https://{domain}/{o['Key']}", expires)} for o in outcomes
                ]
            notice = summary_notice(_given(month_label, "Month"), outcomes, hours)
        logger.info("vdm export notice", extra={"month": notice["Month"], "failed": notice["Failed"]})
        return notice


def stopped_run_month(state: Mapping[str, Any]) -> str | None:
    """The month a stopped run was for, from its plan or from what started it."""
    if state.get("plan"):
        return state["plan"]["Month"]
    if state.get("Month"):
        return str(state["Month"])
    if state.get("ScheduledTime"):
        return previous_month(datetime.fromisoformat(state["ScheduledTime"])).label
    return None


def _given[T](value: T | None, name: str) -> T:
    """What the step's input must hold (a missing one fails as a missing key of the input did)."""
    if value is None:
        raise KeyError(name)
    return value
