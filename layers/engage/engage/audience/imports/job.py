"""The import job's steps, as plain functions over ports: naming a job after the object that started
it (so a duplicate event imports nothing twice), splitting a file into chunk objects of N records in
one streaming pass, importing one chunk into the contact store, and Pinpoint's job record."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote_plus, urlparse

from engage.audience.imports.reader import MAX_FAILURES, ImportMode, ImportRecord
from engage.contacts import ContactStore
from engage.contacts.model import check_app_id, now_iso
from engage.errors import NotFoundError, ValidationError
from engage.jobs import job_record
from engage.roles import is_role_arn

IMPORT_PREFIX = "imports/"
WORK_PREFIX = "import-work/"
MEMBERS_PREFIX = "segment-members/"  # kept: unlike import-work/, no lifecycle rule expires it...
SUPERSEDED_TAG = "engage-superseded"  # ...but for a replaced version's lists, tagged with this
WRITE_BATCH = 500  # records merged per round of batched reads and transactions


@dataclass(frozen=True)
class ImportSource:
    bucket: str
    key: str
    version: str  # the object's version id, or its ETag when the bucket is not versioned

    @property
    def job_id(self) -> str:
        """Stable for one object version: a second event for it names the same job."""
        return hashlib.sha256(f"{self.bucket}/{self.key}@{self.version}".encode()).hexdigest()[:32]

    @property
    def execution_name(self) -> str:
        return f"import-{self.job_id}"

    @property
    def app_id(self) -> str:
        return check_app_id(app_and_file(self.key)[0])

    @property
    def file_name(self) -> str:
        return app_and_file(self.key)[1]


def app_and_file(key: str) -> tuple[str, str]:
    """`imports/<application id>/<file>` -> (application id, file name)."""
    if not key.startswith(IMPORT_PREFIX) or key.count("/") < 2:
        raise ValidationError(
            "key", f"import files go under {IMPORT_PREFIX}<application id>/<file>, not {key!r}"
        )
    _, app_id, name = key.split("/", 2)
    return app_id, name.rsplit("/", 1)[-1]


def decoded_key(key: str) -> str:
    """S3 notifications URL-encode object keys (a space arrives as +)."""
    return unquote_plus(key)


def members_prefix(app_id: str, segment_id: str) -> str:
    """Where an imported segment's member lists are (one JSON list of endpoint ids per chunk)."""
    return f"{MEMBERS_PREFIX}{app_id}/{segment_id}/"


def segment_name(file_name: str) -> str:
    return file_name.split(".", 1)[0] or file_name


# --- splitting -----------------------------------------------------------------------------------
@dataclass
class SplitResult:
    chunks: list[dict[str, Any]] = field(default_factory=list)  # {"key", "index", "first_line", "records"}
    records: int = 0


def split(
    records: Iterable[ImportRecord], chunk_size: int, write: Callable[[int, bytes], str]
) -> SplitResult:
    """Writes the records as chunk objects of `chunk_size` JSON lines (each with its original line),
    holding one chunk in memory at a time. `write(index, body)` stores a chunk and returns its key."""
    result = SplitResult()
    batch: list[str] = []
    first_line = 0
    for record in records:
        if not batch:
            first_line = record.line
        batch.append(
            json.dumps(
                {
                    "line": record.line,
                    "id": record.endpoint_id,
                    "request": record.request,
                    "error": record.error,
                },
                separators=(",", ":"),
            )
        )
        result.records += 1
        if len(batch) == chunk_size:
            result.chunks.append(_flush(write, len(result.chunks), batch, first_line))
            batch = []
    if batch:
        result.chunks.append(_flush(write, len(result.chunks), batch, first_line))
    return result


def _flush(
    write: Callable[[int, bytes], str], index: int, batch: list[str], first_line: int
) -> dict[str, Any]:
    key = write(index, ("\n".join(batch) + "\n").encode())
    return {"key": key, "index": index, "first_line": first_line, "records": len(batch)}


def chunk_records(body: bytes) -> Iterator[ImportRecord]:
    """The records of a chunk object `split` wrote."""
    for line in body.splitlines():
        if line.strip():
            record = json.loads(line)
            yield ImportRecord(record["line"], record["id"], record["request"], record["error"])


# --- importing a chunk ---------------------------------------------------------------------------
@dataclass
class ChunkResult:
    processed: int = 0
    accepted: int = 0
    rejected: int = 0
    failures: list[str] = field(default_factory=list)  # Pinpoint's Failures: messages
    accepted_ids: list[str] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.processed += 1
        self.rejected += 1
        if len(self.failures) < MAX_FAILURES:
            self.failures.append(f"line {line}: {reason}")


def import_chunk(
    app_id: str, records: Iterable[ImportRecord], store: ContactStore, mode: ImportMode = "register"
) -> ChunkResult:
    """Upserts the accepted records of one chunk (merges them into existing endpoints in "update"
    mode, only checks that they exist in "members" mode), WRITE_BATCH at a time through the store's
    batched reads and transactions; a record the store refuses (a quota, a user's 16th endpoint, an
    endpoint that does not exist) is rejected with the store's reason. Writing a chunk twice writes
    the same endpoints."""
    result = ChunkResult()
    batch: list[ImportRecord] = []
    for record in records:
        if record.error:
            result.reject(record.line, record.error)
            continue
        batch.append(record)
        if len(batch) == WRITE_BATCH:
            _write_batch(app_id, batch, store, mode, result)
            batch = []
    if batch:
        _write_batch(app_id, batch, store, mode, result)
    return result


def _write_batch(
    app_id: str, batch: list[ImportRecord], store: ContactStore, mode: ImportMode, result: ChunkResult
) -> None:
    outcomes: list[Any]
    if mode == "members":
        existing = store.existing(app_id, [r.endpoint_id for r in batch])
        outcomes = [
            r.endpoint_id
            if r.endpoint_id in existing
            else NotFoundError(f"endpoint {r.endpoint_id!r} does not exist in application {app_id}")
            for r in batch
        ]
    else:
        requests = [(r.endpoint_id, r.request) for r in batch]
        outcomes = store.write_many(app_id, requests, must_exist=mode == "update")
    for record, outcome in zip(batch, outcomes, strict=True):
        if isinstance(outcome, Exception):
            result.reject(record.line, str(outcome))
            continue
        result.processed += 1
        result.accepted += 1
        result.accepted_ids.append(record.endpoint_id)


# --- the job record ------------------------------------------------------------------------------
def new_job(
    job_id: str,
    app_id: str,
    bucket: str,
    key: str,
    define_segment: bool,
    name: str | None = None,
    file_format: str | None = None,
    mode: ImportMode = "register",
) -> dict[str, Any]:
    """Pinpoint's ImportJobResponse for a job that has just started (RegisterEndpoints is false
    for a file that only updates or names existing endpoints)."""
    return job_record(
        job_id,
        app_id,
        "IMPORT",
        "INITIALIZING",
        {
            "S3Url": f"s3://{bucket}/{key}",
            "Format": file_format or _format(key),
            "DefineSegment": define_segment,
            "SegmentName": name or segment_name(key.rsplit("/", 1)[-1]),
            "RegisterEndpoints": mode == "register",
        },
    )


def refused_job(event: Mapping[str, Any]) -> dict[str, Any]:
    """What the import workflow reports for a file it refused before any job existed (its
    application does not exist): the job as it would have been, FAILED with the reason, never
    stored (there is no application to store it under)."""
    job = new_job(event["job_id"], event["app_id"], event["bucket"], event["key"], False)
    job.update({"JobStatus": "FAILED", "Failures": [str(event.get("reason", "refused"))]})
    return job


# Folders CreateImportJob may not read: the stack's own work, and exports/, which holds other
# applications' endpoints (reading them back is for whoever may read the bucket, not for any caller
# of the API).
INTERNAL_PREFIXES = (
    IMPORT_PREFIX,
    "campaign-imports/",  # chained imports, started when dropped
    WORK_PREFIX,
    MEMBERS_PREFIX,
    "validation-work/",
    "campaign-work/",
    "exports/",
    "segment-queries/",  # federated segmentation's queries and results, imported by its workflow
)


def requested_import(
    app_id: str, request: Mapping[str, Any], allowed_bucket: str, concurrency: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A CreateImportJob request as (the job record, the import workflow's input). The file must be
    in this stack's bucket, outside the folders the stack itself works in (a file under imports/
    is imported when it is dropped). RoleArn must be a role's ARN, and is recorded on the job; the
    workflow's own role reads the bucket."""
    check_app_id(app_id)
    if not isinstance(request, Mapping):
        raise ValidationError("ImportJobRequest", "must be an object")
    url = request.get("S3Url")
    parsed = urlparse(url if isinstance(url, str) else "")
    bucket, key = parsed.netloc, parsed.path.lstrip("/")
    if parsed.scheme != "s3" or not bucket or not key:
        raise ValidationError("S3Url", "must be an s3://bucket/key URL of one file")
    if bucket != allowed_bucket or key.startswith(INTERNAL_PREFIXES):
        raise ValidationError(
            "S3Url",
            f"imports read files of s3://{allowed_bucket}/ outside {', '.join(INTERNAL_PREFIXES)}",
        )
    file_format = request.get("Format")
    if file_format not in ("CSV", "JSON"):
        raise ValidationError("Format", "must be CSV or JSON")
    segment_id = request.get("SegmentId")
    if segment_id is not None and (not isinstance(segment_id, str) or not segment_id.strip()):
        raise ValidationError("SegmentId", "must be the id of the imported segment to update")
    # A SegmentId names "the segment to update" (Pinpoint): the file defines its next version.
    define = bool(request.get("DefineSegment", False)) or bool(segment_id)
    name = request.get("SegmentName")
    if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 64):
        raise ValidationError("SegmentName", "must be 1 to 64 characters")
    job_id = uuid.uuid4().hex
    role = request.get("RoleArn")
    if not is_role_arn(role, any_account=True):
        raise ValidationError(
            "RoleArn", "must be the ARN of an IAM role (arn:aws:iam::<account>:role/<name>)"
        )
    job = new_job(job_id, app_id, bucket, key, define, name, file_format)
    job["Definition"]["RoleArn"] = role  # recorded as Pinpoint's job showed it; the workflow reads
    if segment_id:
        job["Definition"]["SegmentId"] = segment_id
    workflow_input = {
        "bucket": bucket,
        "key": key,
        "version": f"api/{job_id}",
        "job_id": job_id,
        "app_id": app_id,
        "define_segment": define,
        "segment_name": name,
        "format": file_format,
        "concurrency": concurrency,
    }
    if segment_id:
        workflow_input["segment_id"] = segment_id
    return job, workflow_input


def _format(key: str) -> str:
    name = key.lower().removesuffix(".gz")
    return "JSON" if name.endswith((".json", ".jsonl", ".ndjson")) else "CSV"


class JobStore(Protocol):
    def create(self, job: dict[str, Any]) -> bool:
        """Stores a new job; False when a job with this id already exists (a duplicate event)."""
        ...

    def get(self, app_id: str, job_id: str) -> dict[str, Any] | None: ...

    def start_processing(self, app_id: str, job_id: str, pieces: int) -> None: ...

    def record_chunk(self, app_id: str, job_id: str, index: int, result: ChunkResult, failed: bool) -> bool:
        """Adds one chunk's counts to the job, once per chunk: False when it was already counted."""
        ...

    def finish(self, app_id: str, job_id: str, status: str, failures: list[str]) -> dict[str, Any]: ...

    def list(self, app_id: str | None = None) -> list[dict[str, Any]]: ...


def imported_segment(
    job: dict[str, Any], accepted: int, replacing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Pinpoint's SegmentResponse for the IMPORT segment an import job defines (named after the file),
    or, `replacing` an imported segment (CreateImportJob's SegmentId), that segment's next version."""
    definition = job["Definition"]
    now = job.get("CompletionDate") or now_iso()
    segment = {
        "Id": job["Id"],
        "ApplicationId": job["ApplicationId"],
        "Name": definition["SegmentName"],
        "SegmentType": "IMPORT",
        "CreationDate": now,
        "Version": 1,
        "ImportDefinition": {
            "ExternalId": job["Id"],
            "Format": definition["Format"],
            "S3Url": definition["S3Url"],
            "Size": accepted,
            "ChannelCounts": {},
        },
    }
    if replacing is None:
        return segment
    if replacing.get("SegmentType") != "IMPORT" or replacing["ApplicationId"] != job["ApplicationId"]:
        raise ValidationError(
            "SegmentId", f"segment {replacing['Id']} is not an imported segment of this application"
        )
    return {
        **segment,
        "Id": replacing["Id"],
        "CreationDate": replacing["CreationDate"],
        "LastModifiedDate": now,
        "Version": int(replacing.get("Version", 1)) + 1,
    }
