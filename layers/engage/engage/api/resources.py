"""The Pinpoint API's operations that take more than one store: import and export jobs (recorded,
then started) and a segment's deletion (its imported member lists go with it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engage.audience.imports.job import requested_import
from engage.errors import NotFoundError
from engage.segments.export import destination, new_export_job


@dataclass
class Jobs:
    """CreateImportJob, CreateExportJob and their Get and list operations, on the job store (which
    holds the other kinds of job too)."""

    store: Any  # create, get, list (engage.jobs)
    segments: Any  # the segment service: get(app_id, segment_id)
    start_import: Callable[[str, Mapping[str, Any]], object]  # the import workflow: (name, input)
    start_export: Callable[[Mapping[str, Any]], object]  # the export function, invoked asynchronously
    work_bucket: str
    import_concurrency: int

    def create_import(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        job, workflow_input = requested_import(app_id, request, self.work_bucket, self.import_concurrency)
        if workflow_input.get("segment_id"):  # NotFound before a job exists
            self.segments.get(app_id, workflow_input["segment_id"])
        self.store.create(job)
        self.start_import(f"import-{job['Id']}", workflow_input)
        return job

    def create_export(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        job = new_export_job(app_id, request)
        destination(job["Definition"], [self.work_bucket])
        self.segments.get(app_id, request["SegmentId"])  # NotFound before a job exists
        self.store.create(job)
        self.start_export(job)
        return job

    def of_type(self, app_id: str, kind: str) -> list[dict[str, Any]]:
        return [job for job in self.store.list(app_id) if job["Type"] == kind]

    def of_segment(self, app_id: str, segment_id: str, kind: str) -> list[dict[str, Any]]:
        """GetSegmentImportJobs and GetSegmentExportJobs: the segment's jobs of that kind (an import
        that defined it, the imports of its later versions, its exports)."""
        self.segments.get(app_id, segment_id)  # NotFound for an unknown segment
        return [
            job
            for job in self.of_type(app_id, kind)
            if (job.get("Definition") or {}).get("SegmentId") == segment_id
            or (kind == "IMPORT" and job["Id"] == segment_id)
        ]

    def get(self, app_id: str, job_id: str, kind: str) -> dict[str, Any]:
        job = self.store.get(app_id, job_id)
        if job is None or job["Type"] != kind:
            raise NotFoundError(f"{kind.lower()} job {job_id!r} does not exist in application {app_id!r}")
        return job


@dataclass
class SegmentRemoval:
    """DeleteSegment: refused while a campaign uses the segment; an imported segment's member lists
    are deleted with it."""

    members: Callable[[str, str], str | None]  # where an imported segment's lists are, s3://...
    delete: Callable[[str, str, list[dict[str, Any]]], dict[str, Any]]  # the segment service's
    campaigns: Callable[[str], list[dict[str, Any]]]
    delete_prefix: Callable[[str, str], object]

    def remove(self, app_id: str, segment_id: str) -> dict[str, Any]:
        members = self.members(app_id, segment_id)
        segment = self.delete(app_id, segment_id, self.campaigns(app_id))
        if members:
            bucket, prefix = members.removeprefix("s3://").split("/", 1)
            self.delete_prefix(bucket, prefix)
        return segment
