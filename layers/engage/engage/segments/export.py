"""Export jobs: a stream of endpoints written to S3 as gzipped JSON-lines parts in Pinpoint's export
format (one EndpointResponse per line), which the import reader reads back. A part closes at
`part_size` endpoints or `PART_BYTES` of JSON, so memory holds one compressed part at most."""

from __future__ import annotations

import gzip
import io
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlparse

from engage.contacts.model import Endpoint, check_app_id
from engage.errors import NotFoundError, ValidationError
from engage.jobs import job_record
from engage.roles import is_role_arn

PART_BYTES = 64 * 1024 * 1024


def parse_s3_url(url: object, field_name: str = "S3UrlPrefix") -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> (bucket, "some/prefix/")."""
    parsed = urlparse(url if isinstance(url, str) else "")
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValidationError(field_name, "must be an s3://bucket/prefix URL")
    prefix = parsed.path.lstrip("/")
    return parsed.netloc, prefix if not prefix or prefix.endswith("/") else prefix + "/"


def new_export_job(app_id: str, request: Mapping[str, Any], job_id: str | None = None) -> dict[str, Any]:
    """Pinpoint's ExportJobResponse for a CreateExportJob request that has just been accepted."""
    check_app_id(app_id)
    if not isinstance(request, Mapping):
        raise ValidationError("ExportJobRequest", "must be an object")
    parse_s3_url(request.get("S3UrlPrefix"))
    if not isinstance(request.get("SegmentId"), str) or not request["SegmentId"]:
        raise ValidationError("SegmentId", "is required (exporting a whole application is not supported)")
    definition = {"S3UrlPrefix": request["S3UrlPrefix"], "SegmentId": request["SegmentId"]}
    for optional in ("RoleArn", "SegmentVersion"):
        if request.get(optional) is not None:
            definition[optional] = request[optional]
    return job_record(job_id or uuid.uuid4().hex, app_id, "EXPORT", "CREATED", definition)


def part_key(prefix: str, job_id: str, index: int) -> str:
    return f"{prefix}{job_id}/part-{index:05d}.gz"


@dataclass
class ExportResult:
    parts: list[dict[str, Any]] = field(default_factory=list)  # {"key", "index", "records"}
    records: int = 0


def write_parts(
    endpoints: Iterable[Endpoint], part_size: int, write: Callable[[int, bytes], str]
) -> ExportResult:
    """Writes the endpoints as gzipped JSON-lines parts; `write(index, body)` stores one part and
    returns its key. An empty stream writes no part."""
    if part_size < 1:
        raise ValidationError("part_size", "must be at least 1")
    result = ExportResult()
    part: _Part | None = None
    for endpoint in endpoints:
        part = part or _Part()
        part.add(endpoint)
        result.records += 1
        if part.records == part_size or part.raw_bytes >= PART_BYTES:
            result.parts.append(part.close(write, len(result.parts)))
            part = None
    if part is not None:
        result.parts.append(part.close(write, len(result.parts)))
    return result


class _Part:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.gzip = gzip.GzipFile(fileobj=self.buffer, mode="wb", mtime=0)
        self.records = 0
        self.raw_bytes = 0

    def add(self, endpoint: Endpoint) -> None:
        line = json.dumps(endpoint, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        self.gzip.write(line)
        self.records += 1
        self.raw_bytes += len(line)

    def close(self, write: Callable[[int, bytes], str], index: int) -> dict[str, Any]:
        self.gzip.close()
        return {"key": write(index, self.buffer.getvalue()), "index": index, "records": self.records}


class ExportJobs(Protocol):
    def create(self, job: dict[str, Any]) -> bool: ...
    def start_processing(self, app_id: str, job_id: str, pieces: int) -> None: ...
    def finish(
        self,
        app_id: str,
        job_id: str,
        status: str,
        failures: list[str],
        totals: Mapping[str, int] | None = None,
    ) -> dict[str, Any]: ...


def run_export(
    job: dict[str, Any],
    evaluate: Callable[[str, str], Iterable[Endpoint]],
    jobs: ExportJobs,
    writer: Callable[[str | None], Callable[[str, str, bytes], str]],
    part_size: int,
    own_buckets: Iterable[str],
) -> dict[str, Any]:
    """Runs an export job to its end: COMPLETED with its pieces and count, or FAILED with the reason
    when the request can't succeed (an unknown segment, a bucket the job may not write). Parts go
    under exports/ of this stack's bucket, or to a bucket of the caller's as the role the job names
    (`writer(role)`: how to write as it; None for this stack's own role). Errors that may pass
    (throttling, a network failure) propagate, so the invocation is retried; the parts it rewrites
    have the same keys."""
    app_id, job_id = job["ApplicationId"], job["Id"]
    jobs.create(job)
    jobs.start_processing(app_id, job_id, 0)
    try:
        bucket, prefix, role = destination(job["Definition"], own_buckets)
        write = writer(role)
        result = write_parts(
            evaluate(app_id, job["Definition"]["SegmentId"]),
            part_size,
            lambda index, body: write(bucket, part_key(prefix, job_id, index), body),
        )
    except (ValidationError, NotFoundError) as exc:
        return jobs.finish(app_id, job_id, "FAILED", [str(exc)])
    except Exception as exc:
        # Marked FAILED now, so the job never stays PROCESSING if this was the last attempt; a
        # retried invocation that succeeds sets it COMPLETED.
        jobs.finish(app_id, job_id, "FAILED", [f"the export stopped: {type(exc).__name__}"])
        raise
    pieces = len(result.parts)
    return jobs.finish(
        app_id,
        job_id,
        "COMPLETED",
        [],
        {"TotalPieces": pieces, "CompletedPieces": pieces, "TotalProcessed": result.records},
    )


EXPORT_PREFIX = "exports/"


def destination(definition: Mapping[str, Any], own_buckets: Iterable[str]) -> tuple[str, str, str | None]:
    """Where an export's parts go, and the role they are written as (None: this stack's own). A
    bucket of the caller's is written as the job's role, as Pinpoint's exports were: what that role
    may write is what the export may write."""
    url = definition["S3UrlPrefix"]
    bucket, prefix = parse_s3_url(url)
    if bucket in set(own_buckets):
        return (*writable(url, own_buckets), None)
    role = definition.get("RoleArn")
    if not is_role_arn(role):
        raise ValidationError(
            "RoleArn",
            "an export to a bucket other than this stack's is written as the job's role: a role's ARN",
        )
    return bucket, prefix, role


def writable(url: str, allowed_buckets: Iterable[str]) -> tuple[str, str]:
    """Exports go under exports/ of this stack's bucket only: a prefix such as imports/<app>/
    would start an import of one application's endpoints into another."""
    bucket, prefix = parse_s3_url(url)
    if bucket not in set(allowed_buckets) or not prefix.startswith(EXPORT_PREFIX):
        raise ValidationError(
            "S3UrlPrefix",
            f"exports are written under s3://<this stack's bucket>/{EXPORT_PREFIX}, not {url!r}",
        )
    return bucket, prefix
