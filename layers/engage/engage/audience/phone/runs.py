"""A phone-validation run, the workflow's bookkeeping: what it validates (one segment, such as the
segment an import defined, or every phone endpoint of the application), its record in the job
store with counters added once per part, and the summary it publishes."""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Protocol

from engage import jobs
from engage.audience.phone.validation import (
    MAX_FAILURES,
    PHONE_CHANNELS,
    Counts,
    NumberCache,
    NumberValidator,
    Pacer,
    PhoneValidation,
    needs_validation,
)
from engage.contacts.model import Endpoint, check_app_id
from engage.errors import ValidationError
from engage.jobs import job_record
from engage.segments.export import part_key, write_parts
from engage.segments.service import Segments

RUN_TYPE = "PHONE_VALIDATION"
WORK_PREFIX = "validation-work/"
PART_SECONDS = 180  # the lookups of one part fit well inside the part function's 300 s timeout


def part_size(configured: int, rate: float, concurrency: int) -> int:
    """Endpoints per part: as configured, but never more than a part can look up in PART_SECONDS at
    its share of the rate (a part of 5,000 numbers at 5 per second would outlive its Lambda)."""
    return max(1, min(configured, int(rate / max(1, concurrency) * PART_SECONDS)))


def scope(request: Mapping[str, Any]) -> tuple[str, str | None]:
    """(application id, segment id or None) from the workflow's input: `{"ApplicationId",
    "SegmentId"?}`, or an import job as the import workflow's success notification carries it
    (its segment is the one the import defined)."""
    if not isinstance(request, Mapping):
        raise ValidationError("input", "must be an object")
    if request.get("Type") == "IMPORT":
        if not (request.get("Definition") or {}).get("DefineSegment"):
            raise ValidationError("input.Definition.DefineSegment", "the import defined no segment")
        return check_app_id(request.get("ApplicationId")), str(request["Id"])
    segment_id = request.get("SegmentId")
    if segment_id is not None and (not isinstance(segment_id, str) or not segment_id):
        raise ValidationError("input.SegmentId", "must be a segment id")
    return check_app_id(request.get("ApplicationId")), segment_id


def candidates(segments: Segments, app_id: str, segment_id: str | None) -> Iterator[Endpoint]:
    """The endpoints to validate, streamed: the segment's (or the application's) active, opted-in
    SMS and VOICE endpoints not validated yet."""
    if segment_id is not None:
        return segments.evaluate(app_id, segment_id, extra=needs_validation)
    everyone = itertools.chain.from_iterable(
        segments.endpoints.by_channel(app_id, channel) for channel in PHONE_CHANNELS
    )
    return (e for e in everyone if needs_validation(e))


def new_run(run_id: str, app_id: str, segment_id: str | None, request: Mapping[str, Any]) -> dict[str, Any]:
    """The run's record, in the job store beside import and export jobs."""
    run = job_record(
        run_id, app_id, RUN_TYPE, "INITIALIZING", {"SegmentId": segment_id, "Input": dict(request)}
    )
    run["Counts"] = Counts().numbers()
    return run


def closing_status(run: Mapping[str, Any], stopped: Mapping[str, Any] | None) -> tuple[str, list[str]]:
    """COMPLETED when every part was counted and the workflow did not stop on an error."""
    return jobs.closing_status(run, stopped, "validated", "validation", MAX_FAILURES)


def settle(run: Mapping[str, Any], state: Mapping[str, Any]) -> tuple[str, list[str]]:
    """How a run ends (engage.jobs.JobClosing): its closing status, given the workflow's state."""
    return closing_status(run, state.get("error"))


def summary(run: Mapping[str, Any]) -> dict[str, Any]:
    """What the workflow publishes: the counts of the run (see engage.audience.phone.validation.Counts)."""
    return {
        "RunId": run["Id"],
        "ApplicationId": run["ApplicationId"],
        "SegmentId": run["Definition"].get("SegmentId"),
        "JobStatus": run["JobStatus"],
        "Parts": run["TotalPieces"],
        "PartsCompleted": run["CompletedPieces"],
        **run["Counts"],
        "Failures": run.get("Failures", [])[:MAX_FAILURES],
        "StartDate": run["CreationDate"],
        "CompletionDate": run.get("CompletionDate"),
        "ValidateInput": run["Definition"].get("Input"),
    }


class RunObjects(Protocol):
    def write(self, bucket: str, key: str, body: bytes) -> str: ...
    def write_json(self, bucket: str, key: str, document: Any) -> str: ...
    def open(self, bucket: str, key: str) -> IO[bytes]: ...


@dataclass
class ValidationSelect:
    """A validation run's first step: the run recorded, the endpoints to check written as parts the
    workflow's Map validates, the quota shared by the parts that run at once."""

    applications: Any  # require(app_id)
    jobs: Any  # create, start_processing (engage.jobs)
    segments: Segments
    objects: RunObjects
    bucket: str  # the work bucket
    rate: float  # PhoneNumberValidate calls per second, the whole run's
    concurrency: int  # the most parts at once
    configured_part_size: int

    def select(self, run_id: str, request: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
        """(the workflow's next input, how many endpoints the parts hold)."""
        app_id, segment_id = scope(request)
        self.applications.require(app_id)
        self.jobs.create(new_run(run_id, app_id, segment_id, request))  # False on a retry
        prefix = f"{WORK_PREFIX}{run_id}/"
        written = write_parts(
            candidates(self.segments, app_id, segment_id),
            part_size(self.configured_part_size, self.rate, self.concurrency),
            lambda index, body: self.objects.write(self.bucket, part_key(prefix, "parts", index), body),
        )
        concurrency = max(1, min(self.concurrency, len(written.parts)))
        rate = self.rate / concurrency  # the parts running at once share the quota
        items = [
            {"app_id": app_id, "run_id": run_id, "bucket": self.bucket, "rate": rate, **part}
            for part in written.parts
        ]
        manifest = self.objects.write_json(self.bucket, f"{prefix}manifest.json", items)
        self.jobs.start_processing(app_id, run_id, len(items))
        answer = {
            "app_id": app_id,
            "run_id": run_id,
            "bucket": self.bucket,
            "manifest": manifest,
            "parts": len(items),
            "concurrency": concurrency,
        }
        return answer, written.records


@dataclass
class ValidationPart:
    """One part of a validation run: its numbers checked at the part's rate, the answers kept in the
    cache, and the part's counts added to the run once."""

    contacts: Any
    cache: NumberCache
    validator: NumberValidator
    objects: RunObjects
    jobs: Any  # record_piece (engage.jobs)
    default_region: str | None
    ttl_seconds: int

    def run(self, step: Mapping[str, Any]) -> tuple[Counts, bool]:
        """(the part's counts, whether they were added now: False on a replay)."""
        validation = PhoneValidation(
            app_id=step["app_id"],
            contacts=self.contacts,
            cache=self.cache,
            validator=self.validator,
            pacer=Pacer(float(step["rate"])),
            owner=f"{step['run_id']}/{step['index']}",
            default_region=self.default_region,
            ttl_seconds=self.ttl_seconds,
        )
        with gzip.open(self.objects.open(step["bucket"], step["key"])) as lines:
            counts = validation.run(json.loads(line) for line in lines if line.strip())
        counted = self.jobs.record_piece(
            step["app_id"],
            step["run_id"],
            step["index"],
            counts.numbers(),
            counts.failures,
            processed=counts.endpoints,
            failed=counts.failed,
        )
        return counts, counted
