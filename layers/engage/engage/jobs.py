"""Pinpoint's job record, shared by import and export jobs and phone-validation runs: the fields
every job has (status, pieces, counts, failures), each job type adding its own Definition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
