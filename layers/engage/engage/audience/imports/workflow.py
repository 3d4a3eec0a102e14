"""The import workflow's use cases over ports: its start (once per object version), the split step
(the job's record, the file streamed once into chunk objects and a manifest for the Map that imports
them), each chunk's import, and the finish step (the job closed, COMPLETED or FAILED, with the
segment it defines or the member lists no segment will read removed)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Any, Protocol

from engage.audience.imports.job import (
    SUPERSEDED_TAG,
    WORK_PREFIX,
    ChunkResult,
    ImportSource,
    JobStore,
    chunk_records,
    decoded_key,
    import_chunk,
    imported_segment,
    members_prefix,
    new_job,
    refused_job,
    split,
)
from engage.audience.imports.reader import MAX_FAILURES, ImportFormatError, ImportMode, read_endpoints
from engage.contacts.model import Quotas
from engage.errors import NotFoundError, ValidationError
from engage.jobs import Closed, ClosingStore, JobClosing
from engage.obs import logger


class Applications(Protocol):
    def require(self, app_id: str) -> Any:
        """NotFoundError for an application that does not exist."""
        ...


class Objects(Protocol):
    def existing_key(self, bucket: str, key: str, *spellings: str | None) -> str: ...
    def open(self, bucket: str, key: str) -> AbstractContextManager[IO[bytes]]: ...
    def write(self, bucket: str, key: str, body: bytes) -> str: ...
    def write_json(self, bucket: str, key: str, document: Any) -> str: ...
    def tag_prefix(self, bucket: str, prefix: str, tags: dict[str, str]) -> int: ...
    def delete_prefix(self, bucket: str, prefix: str) -> int: ...


class Segments(Protocol):
    def get(self, app_id: str, segment_id: str) -> dict[str, Any] | None: ...
    def members(self, app_id: str, segment_id: str) -> str | None: ...
    def put(self, segment: dict[str, Any], members: str | None = None) -> None: ...


@dataclass(frozen=True)
class SplitRequest:
    """The split step's input, read once: the file (an S3 drop's object, or CreateImportJob's), the
    job and application it imports into (CreateImportJob names them; a drop's key does) and how."""

    source: ImportSource
    job_id: str
    app_id: str
    mode: ImportMode
    header: list[str] | None
    define_segment: bool
    segment_name: str | None
    file_format: str | None
    received_key: str | None  # the key as the notification spelt it

    @classmethod
    def parse(cls, state: Mapping[str, Any]) -> SplitRequest:
        source = ImportSource(state["bucket"], state["key"], state["version"])
        return cls(
            source,
            state.get("job_id") or source.job_id,
            state.get("app_id") or source.app_id,
            state.get("mode", "register"),
            state.get("header"),
            state.get("define_segment", True),
            state.get("segment_name"),
            state.get("format"),
            state.get("received_key"),
        )


@dataclass(frozen=True)
class ImportSplit:
    applications: Applications
    objects: Objects
    jobs: JobStore
    quotas: Quotas
    chunk_size: int
    reader_role: str = ""  # shown as a dropped file's job's RoleArn (Pinpoint's jobs always had one)

    def split(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The workflow's state, with the job's status (PROCESSING, or FAILED with the reason), and
        when PROCESSING the manifest's location, the number of chunks (`pieces`) and of records."""
        request = SplitRequest.parse(state)
        job_id, app_id, bucket = request.job_id, request.app_id, request.source.bucket
        try:
            self.applications.require(app_id)
        except NotFoundError as exc:  # the file stays where it is; dropped again once the app exists
            logger.warning("import refused: %s", exc, extra={"job_id": job_id})
            return {**state, "status": "FAILED", "reason": str(exc), "refused": True}
        key = self.objects.existing_key(bucket, request.source.key, request.received_key)
        job = new_job(
            job_id,
            app_id,
            bucket,
            key,
            request.define_segment,
            request.segment_name,
            request.file_format,
            request.mode,
        )
        if self.reader_role:
            job["Definition"]["RoleArn"] = self.reader_role
        self.jobs.create(job)  # a job created by CreateImportJob exists already, with its own RoleArn
        prefix = f"{WORK_PREFIX}{job_id}/"
        try:
            with self.objects.open(bucket, key) as stream:
                result = split(
                    read_endpoints(stream, self.quotas, request.mode, request.header),
                    self.chunk_size,
                    lambda i, body: self.objects.write(bucket, f"{prefix}chunk-{i:05d}.jsonl", body),
                )
        except ImportFormatError as exc:
            logger.warning("import file refused: %s", exc.reason, extra={"job_id": job_id})
            self.jobs.finish(app_id, job_id, "FAILED", [f"the file can't be imported: {exc.reason}"])
            return {**state, "status": "FAILED", "reason": exc.reason}
        manifest = self.objects.write_json(
            bucket,
            f"{prefix}manifest.json",
            [
                {**chunk, "bucket": bucket, "job_id": job_id, "app_id": app_id, "mode": request.mode}
                for chunk in result.chunks
            ],
        )
        self.jobs.start_processing(app_id, job_id, len(result.chunks))
        return {
            **state,
            "status": "PROCESSING",
            "manifest": manifest,
            "pieces": len(result.chunks),
            "records": result.records,
        }


@dataclass(frozen=True)
class ImportSettlement:
    """How an import job ends: COMPLETED when every chunk was imported, else FAILED, the failures cut
    to Pinpoint's 100. A completed job that asked for it defines an IMPORT segment named after the
    file, or the next version of the imported segment it names (`segment_id`; the previous version's
    member lists are tagged superseded, and a lifecycle rule removes them two days later, so that a
    campaign run reading them meanwhile still can); otherwise the member lists its chunks wrote are
    removed. The segment exists before the job says COMPLETED: whoever sees the status can use it."""

    segments: Segments
    objects: Objects

    def __call__(self, job: dict[str, Any], state: Mapping[str, Any]) -> tuple[str, list[str]]:
        done = job["CompletedPieces"] + job["FailedPieces"] == job["TotalPieces"] and job["FailedPieces"] == 0
        status = "COMPLETED" if done and state.get("status") != "FAILED" else "FAILED"
        failures = job.get("Failures", [])[:MAX_FAILURES]
        if state.get("error"):
            failures = [f"the import stopped: {state['error'].get('Error')}", *failures][:MAX_FAILURES]
        bucket = job["Definition"]["S3Url"].removeprefix("s3://").split("/", 1)[0]
        members = members_prefix(job["ApplicationId"], job["Id"])
        segment = replacing = None
        if status == "COMPLETED" and job["Definition"].get("DefineSegment"):
            try:
                replacing = self._replaced_segment(state)
                segment = imported_segment(job, job["TotalProcessed"] - job["TotalFailures"], replacing)
            except (LookupError, ValidationError) as exc:  # the segment went away while the file was imported
                status, failures = "FAILED", [str(exc), *failures][:MAX_FAILURES]
        if segment is not None:
            self._define(segment, replacing, f"s3://{bucket}/{members}")
        else:  # no segment will ever read the member lists its chunks wrote
            removed = self.objects.delete_prefix(bucket, members)
            logger.info("removed member lists of a job without a segment", extra={"objects": removed})
        return status, failures

    def _define(self, segment: dict[str, Any], replacing: dict[str, Any] | None, location: str) -> None:
        previous = self.segments.members(segment["ApplicationId"], segment["Id"]) if replacing else None
        if previous == location:  # a retried step: its version is in place already
            segment = replacing or segment
        else:
            self.segments.put(segment, location)
        if previous and previous != location:
            old_bucket, old_prefix = previous.removeprefix("s3://").split("/", 1)
            self.objects.tag_prefix(old_bucket, old_prefix, {SUPERSEDED_TAG: "true"})
        logger.info(
            "defined imported segment", extra={"segment_id": segment["Id"], "version": segment["Version"]}
        )

    def _replaced_segment(self, state: Mapping[str, Any]) -> dict[str, Any] | None:
        segment_id = state.get("segment_id")
        if not segment_id:
            return None
        segment = self.segments.get(state["app_id"], segment_id)
        if segment is None:
            raise LookupError(f"segment {segment_id} does not exist in application {state['app_id']}")
        return segment


@dataclass(frozen=True)
class ImportFinish:
    """The finish step: the job closed (JobClosing, settled by ImportSettlement); a file refused before
    any job existed (its application does not exist) is reported FAILED as the job it would have been."""

    closing: JobClosing

    def close(self, state: Mapping[str, Any]) -> Closed:
        if state.get("refused"):  # no job was created: the application does not exist
            return Closed("FAILED", refused_job(state))
        return self.closing.close(state["app_id"], state["job_id"], state)

    @classmethod
    def over(cls, jobs: ClosingStore, segments: Segments, objects: Objects) -> ImportFinish:
        return cls(JobClosing(jobs, "import job", ImportSettlement(segments, objects)))


class Workflow(Protocol):
    def start(self, name: str, workflow_input: Mapping[str, Any]) -> bool:
        """Starts an execution under `name`; False when one under that name ran or runs already."""
        ...


@dataclass
class ImportStart:
    """An object created in the import bucket: its import workflow started once per version."""

    workflow: Workflow
    concurrency: int

    def start(self, bucket: str, raw_key: str, version_id: str | None, etag: str) -> tuple[str, bool]:
        """(the job's id, whether this call started it). Step Functions answers a start under a
        running execution's name with that execution, and refuses one under a closed execution's
        name: either way the object is imported once."""
        # The version names the object where the bucket keeps versions; the ETag tells contents
        # apart where it doesn't, so a different file under the same key is a new import and the
        # same file is a duplicate.
        source = ImportSource(bucket, decoded_key(raw_key), f"{version_id or 'null'}/{etag}")
        started = self.workflow.start(
            source.execution_name,
            {
                "bucket": source.bucket,
                "key": source.key,
                "version": source.version,
                "job_id": source.job_id,
                "app_id": source.app_id,
                "received_key": raw_key,  # as the event spelled it, should the decoded key not exist
                "define_segment": True,
                "concurrency": self.concurrency,
            },
        )
        return source.job_id, started


class ChunkObjects(Protocol):
    def read(self, bucket: str, key: str) -> bytes: ...
    def write_json(self, bucket: str, key: str, document: Any) -> str: ...


@dataclass
class ChunkImport:
    """One chunk of an import: its endpoints written, the ids it accepted kept for the segment the
    import defines, and its counts added to the job once."""

    objects: ChunkObjects
    endpoints: Any  # the contact store (engage.audience.imports.job.import_chunk's)
    jobs: JobStore

    def run(self, step: Mapping[str, Any]) -> tuple[ChunkResult, bool]:
        """(the chunk's result, whether its counts were added now: False on a replay)."""
        app_id, job_id, index = step["app_id"], step["job_id"], step["index"]
        body = self.objects.read(step["bucket"], step["key"])
        result = import_chunk(app_id, chunk_records(body), self.endpoints, step.get("mode", "register"))
        self.objects.write_json(
            step["bucket"],
            f"{members_prefix(app_id, job_id)}part-{index:05d}.json",
            list(dict.fromkeys(result.accepted_ids)),
        )
        return result, self.jobs.record_chunk(app_id, job_id, index, result, failed=False)
