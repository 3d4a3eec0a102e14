"""The import workflow's use cases over ports: its start (once per object version), the split step
(the job's record, the file streamed once into chunk objects and a manifest for the Map that imports
them), each chunk's import, and the finish step (the job closed, COMPLETED or FAILED, with the
segment it defines or the member lists no segment will read removed)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
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
from engage.audience.imports.pieces import PIECE_BYTES, SCAN_BLOCK, Cursor, scan, whole_lines
from engage.audience.imports.reader import (
    MAX_FAILURES,
    ImportFormatError,
    ImportMode,
    Layout,
    layout,
    read_endpoints,
    read_piece,
)
from engage.contacts.model import Quotas
from engage.errors import NotFoundError, ValidationError
from engage.jobs import Closed, ClosingStore, JobClosing
from engage.obs import logger

GZIP_MAGIC = b"\x1f\x8b"
LAYOUT_BYTES = 1024 * 1024  # the first bytes, which hold the header
SCAN_BYTES = 1024 * 1024 * 1024  # scanned per call of the split step: ~10 s at S3's single-stream rate
SCAN_SECONDS = 40.0  # and never longer than this, however slowly the bytes come


class Applications(Protocol):
    def require(self, app_id: str) -> Any:
        """NotFoundError for an application that does not exist."""
        ...


class Objects(Protocol):
    def existing_key(self, bucket: str, key: str, *spellings: str | None) -> str: ...
    def open(self, bucket: str, key: str) -> AbstractContextManager[IO[bytes]]: ...
    def pinned(self, bucket: str, key: str) -> tuple[int, dict[str, str]]:
        """The object's size, and what names this content for the reads that follow."""
        ...

    def read_range(
        self, bucket: str, key: str, start: int, end: int, pin: Mapping[str, str] | None = None
    ) -> bytes:
        """Bytes [start, end) of the object (of the content `pin` names)."""
        ...

    def chunks(
        self, bucket: str, key: str, start: int, end: int, size: int, pin: Mapping[str, str] | None = None
    ) -> Iterator[bytes]:
        """Bytes [start, end) of the object, `size` at a time, as they arrive."""
        ...

    def read_json(self, bucket: str, key: str) -> Any: ...
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
    """The split step, called again by the workflow while it answers SCANNING. A plain file is cut
    into pieces of whole records (engage.audience.imports.pieces) by a scan of at most `scan_bytes`
    per call, resumed from its cursor, so no call reads the whole file and a failed call is retried
    from where the last one stopped; the chunk steps each read their piece's byte range. A gzip file
    can't be read from the middle: one call streams it into chunk objects of `chunk_size` records."""

    applications: Applications
    objects: Objects
    jobs: JobStore
    quotas: Quotas
    chunk_size: int
    reader_role: str = ""  # shown as a dropped file's job's RoleArn (Pinpoint's jobs always had one)
    piece_bytes: int = PIECE_BYTES
    scan_bytes: int = SCAN_BYTES
    scan_seconds: float = SCAN_SECONDS

    def split(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The workflow's state, with the job's status: SCANNING (with the cursor to go on from),
        PROCESSING (with the manifest's location and the number of pieces), or FAILED with the
        reason."""
        request = SplitRequest.parse(state)
        if state.get("cursor"):
            return self._go_on(state, request)
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
        try:
            size, pin = self.objects.pinned(bucket, key)
            prefix = self.objects.read_range(bucket, key, 0, min(size, LAYOUT_BYTES), pin)
            if prefix[:2] == GZIP_MAGIC:
                return self._whole(state, request, key)
            shape = layout(prefix, size <= LAYOUT_BYTES, request.mode, request.header)
        except ImportFormatError as exc:
            return self._refused(state, app_id, job_id, exc)
        start = shape.body_start
        cursor = Cursor(start, shape.header_lines, start, shape.header_lines + 1)
        state = {**state, "source_key": key, "pin": pin, "size": size, "layout": asdict(shape), "scans": 0}
        return self._go_on({**state, "cursor": cursor.to_json()}, request)

    def _go_on(self, state: Mapping[str, Any], request: SplitRequest) -> dict[str, Any]:
        """One call's share of the scan: pieces cut and written, and the state to go on from."""
        bucket, key, size = request.source.bucket, state["source_key"], state["size"]
        prefix = f"{WORK_PREFIX}{request.job_id}/"
        cursor, calls = Cursor.from_json(state["cursor"]), state["scans"]
        end = min(size, cursor.offset + self.scan_bytes)
        chunks = self.objects.chunks(bucket, key, cursor.offset, end, SCAN_BLOCK, state["pin"])
        deadline = time.monotonic() + self.scan_seconds
        try:
            found, after = scan(
                _while(whole_lines(chunks, final=end >= size), lambda: time.monotonic() < deadline),
                cursor,
                size,
                Layout(**state["layout"]).csv,
                self.piece_bytes,
            )
        except ImportFormatError as exc:
            return self._refused(state, request.app_id, request.job_id, exc)
        if after.offset == cursor.offset and end < size:
            reason = f"no line ends in {self.scan_bytes} bytes from byte {cursor.offset}"
            return self._refused(state, request.app_id, request.job_id, ImportFormatError(reason))
        self.objects.write_json(bucket, f"{prefix}pieces-{calls:05d}.json", [p.to_json() for p in found])
        state = {**state, "cursor": after.to_json(), "scans": calls + 1}
        if after.offset < size:
            logger.info("import scan goes on", extra={"job_id": request.job_id, "offset": after.offset})
            return {**state, "status": "SCANNING"}
        pieces = [
            {
                **piece,
                "bucket": bucket,
                "key": key,
                "job_id": request.job_id,
                "app_id": request.app_id,
                "mode": request.mode,
                "layout": state["layout"],
                "pin": state["pin"],
            }
            for call in range(calls + 1)
            for piece in self.objects.read_json(bucket, f"{prefix}pieces-{call:05d}.json")
        ]
        manifest = self.objects.write_json(bucket, f"{prefix}manifest.json", pieces)
        self.jobs.start_processing(request.app_id, request.job_id, len(pieces))
        done = {k: v for k, v in state.items() if k not in ("cursor", "layout")}
        return {**done, "status": "PROCESSING", "manifest": manifest, "pieces": len(pieces)}

    def _whole(self, state: Mapping[str, Any], request: SplitRequest, key: str) -> dict[str, Any]:
        """A gzip file, streamed once by this call into chunk objects of parsed records."""
        job_id, app_id, bucket = request.job_id, request.app_id, request.source.bucket
        prefix = f"{WORK_PREFIX}{job_id}/"
        try:
            with self.objects.open(bucket, key) as stream:
                result = split(
                    read_endpoints(stream, self.quotas, request.mode, request.header),
                    self.chunk_size,
                    lambda i, body: self.objects.write(bucket, f"{prefix}chunk-{i:05d}.jsonl", body),
                )
        except ImportFormatError as exc:
            return self._refused(state, app_id, job_id, exc)
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

    def _refused(
        self, state: Mapping[str, Any], app_id: str, job_id: str, exc: ImportFormatError
    ) -> dict[str, Any]:
        logger.warning("import file refused: %s", exc.reason, extra={"job_id": job_id})
        self.jobs.finish(app_id, job_id, "FAILED", [f"the file can't be imported: {exc.reason}"])
        done = {k: v for k, v in state.items() if k not in ("cursor", "layout")}
        return {**done, "status": "FAILED", "reason": exc.reason}


def _while(blocks: Iterator[bytes], time_left: Callable[[], bool]) -> Iterator[bytes]:
    """The blocks while there is time left (at least one)."""
    for n, block in enumerate(blocks):
        if n and not time_left():
            return
        yield block


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
        # Only a file cut into pieces and imported whole completes: a split that stopped (an error, a
        # scan past its bound) has counted nothing, and nothing counted is not everything imported.
        finished = state.get("status") == "PROCESSING" and not state.get("error")
        status = "COMPLETED" if done and finished else "FAILED"
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
    def read_range(
        self, bucket: str, key: str, start: int, end: int, pin: Mapping[str, str] | None = None
    ) -> bytes: ...
    def write_json(self, bucket: str, key: str, document: Any) -> str: ...


@dataclass
class ChunkImport:
    """One chunk of an import: its endpoints written, the ids it accepted kept for the segment the
    import defines, and its counts added to the job once."""

    objects: ChunkObjects
    endpoints: Any  # the contact store (engage.audience.imports.job.import_chunk's)
    jobs: JobStore
    quotas: Quotas

    def run(self, step: Mapping[str, Any]) -> tuple[ChunkResult, bool]:
        """(the chunk's result, whether its counts were added now: False on a replay). A step is a
        piece of the file (its byte range, read and checked here) or a chunk object of a gzip file's
        records, checked when it was written."""
        app_id, job_id, index = step["app_id"], step["job_id"], step["index"]
        mode = step.get("mode", "register")
        if "layout" in step:
            body = self.objects.read_range(
                step["bucket"], step["key"], step["start"], step["end"], step.get("pin")
            )
            shape = Layout(**step["layout"])
            records = read_piece(io.BytesIO(body), shape, step["first_line"], self.quotas, mode)
        else:
            records = chunk_records(self.objects.read(step["bucket"], step["key"]))
        try:
            result = import_chunk(app_id, records, self.endpoints, mode)
        except ImportFormatError as exc:  # a line further on is not text: the piece fails, with why
            logger.warning("import piece refused: %s", exc.reason, extra={"job_id": job_id, "index": index})
            failed = ChunkResult(failures=[f"the file can't be imported: {exc.reason}"])
            return failed, self.jobs.record_chunk(app_id, job_id, index, failed, failed=True)
        self.objects.write_json(
            step["bucket"],
            f"{members_prefix(app_id, job_id)}part-{index:05d}.json",
            list(dict.fromkeys(result.accepted_ids)),
        )
        return result, self.jobs.record_chunk(app_id, job_id, index, result, failed=False)
