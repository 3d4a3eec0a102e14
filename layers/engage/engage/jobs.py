"""Pinpoint's job record, shared by import and export jobs, phone-validation runs and campaign runs:
the fields every job has (status, pieces, counts, failures), each job type adding its own Definition;
and closing one at the end of its workflow, the use case the workflows' `*_finish` steps share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage.contacts.model import now_iso


def job_record(
    job_id: str, app_id: str, kind: str, status: str, definition: Mapping[str, Any]
) -> dict[str, Any]:
    """A job that has just been accepted, with nothing counted yet."""
    return {
        "Id": job_id,
        "ApplicationId": app_id,
        "Type": kind,
        "JobStatus": status,
        "CreationDate": now_iso(),
        "TotalPieces": 0,
        "CompletedPieces": 0,
        "FailedPieces": 0,
        "TotalProcessed": 0,
        "TotalFailures": 0,
        "Failures": [],
        "Definition": dict(definition),
    }


def closing_status(
    run: Mapping[str, Any], stopped: Mapping[str, Any] | None, done: str, what: str, max_failures: int = 100
) -> tuple[str, list[str]]:
    """COMPLETED when every part of a run was counted and its workflow did not stop on an error;
    otherwise FAILED with why first (`done`: what a counted part was, e.g. "validated"; `what`: the
    run, e.g. "validation")."""
    failures = list(run.get("Failures") or [])
    missing = run["TotalPieces"] - run["CompletedPieces"]
    if missing:
        failures.insert(0, f"{missing} of {run['TotalPieces']} parts were not {done} (see the execution)")
    if stopped:
        failures.insert(0, f"the {what} stopped: {stopped.get('Error')}")
    return ("COMPLETED" if not missing and not stopped else "FAILED"), failures[:max_failures]


class ClosingStore(Protocol):
    def get(self, app_id: str, job_id: str) -> dict[str, Any] | None: ...

    def finish(self, app_id: str, job_id: str, status: str, failures: list[str]) -> dict[str, Any]: ...


# (the job, the workflow's state at its end) -> (the job's final status, its failures)
Settle = Callable[[dict[str, Any], Mapping[str, Any]], tuple[str, list[str]]]


@dataclass(frozen=True)
class Closed:
    status: str
    job: dict[str, Any]  # the job record as closed


@dataclass(frozen=True)
class JobClosing:
    """Closes a job at the end of its workflow: reads it (LookupError when there is none), settles
    its status and failures its type's way (`settle`, given the workflow's state, which carries the
    error the workflow stopped on, if any) and records them."""

    jobs: ClosingStore
    what: str  # what the job is called in an error ("import job", "campaign run", ...)
    settle: Settle

    def close(self, app_id: str, job_id: str, state: Mapping[str, Any]) -> Closed:
        job = self.jobs.get(app_id, job_id)
        if job is None:
            raise LookupError(f"{self.what} {job_id} does not exist")
        status, failures = self.settle(job, state)
        return Closed(status, self.jobs.finish(app_id, job_id, status, failures))
