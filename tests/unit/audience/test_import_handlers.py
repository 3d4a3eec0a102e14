"""The import workflow's split and finish handlers (functions/audience/import_split,
functions/audience/import_finish) fed
their sample events (events/audience/import_split/, events/audience/import_finish/), with the use cases put
in at the
wiring's accessor on an in-memory job store, object store and segment store; and the import
wiring's settings."""

from __future__ import annotations

from typing import Any

import pytest
from engage.audience.imports import wiring
from engage.audience.imports.job import SUPERSEDED_TAG, ImportSource, members_prefix, new_job
from engage.audience.imports.wiring import ImportSettings
from engage.audience.imports.workflow import ImportFinish, ImportSplit
from engage.contacts.model import DEFAULT_QUOTAS

from tests.support.apps import SAMPLE_APP
from tests.support.fakes import MemorySegments
from tests.support.thin_handlers import ROOT, Context, KnownApps, MemoryJobs, MemoryObjects, handler, sample

BUCKET = "import-bucket"
FILE = ROOT / "events" / "audience" / "import_files" / "clean.csv"


@pytest.fixture
def audience(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    parts: dict[str, Any] = {"jobs": MemoryJobs(), "objects": MemoryObjects(), "segments": MemorySegments()}
    split = ImportSplit(KnownApps(SAMPLE_APP), parts["objects"], parts["jobs"], DEFAULT_QUOTAS, 2)
    finish = ImportFinish.over(parts["jobs"], parts["segments"], parts["objects"])
    monkeypatch.setattr(wiring, "import_split", lambda: split)
    monkeypatch.setattr(wiring, "import_finish", lambda: finish)
    return parts


def dropped(objects: MemoryObjects, body: bytes = FILE.read_bytes()) -> dict[str, Any]:
    event = sample("audience/import_split/start.json", IMPORT_BUCKET=BUCKET)
    objects.write(BUCKET, event["key"], body)
    return event


def test_the_split_sample_cuts_the_file_into_pieces_writes_a_manifest_and_the_processing_job(
    audience, capsys
):
    event = dropped(audience["objects"])
    job_id = ImportSource(event["bucket"], event["key"], event["version"]).job_id

    answer = handler("import_split")(event, Context())

    size = len(FILE.read_bytes())
    assert answer == {
        **event,
        "status": "PROCESSING",
        "source_key": event["key"],
        "pin": audience["objects"].pinned(BUCKET, event["key"])[1],
        "size": size,
        "scans": 1,
        "manifest": f"import-work/{job_id}/manifest.json",
        "pieces": 1,
    }
    assert '"ImportPieces"' in capsys.readouterr().out  # the metric, in EMF
    (piece,) = audience["objects"].read_json(BUCKET, answer["manifest"])
    header = FILE.read_bytes().index(b"\n") + 1
    assert (piece["index"], piece["start"], piece["end"], piece["first_line"]) == (0, header, size, 2)
    assert (piece["app_id"], piece["mode"], piece["key"], piece["layout"]["csv"]) == (
        SAMPLE_APP,
        "register",
        event["key"],
        True,
    )
    job = audience["jobs"].get(SAMPLE_APP, job_id)
    assert (job["JobStatus"], job["TotalPieces"], job["Definition"]["SegmentName"]) == (
        "PROCESSING",
        1,
        "clean list",
    )


def test_a_file_for_an_application_that_does_not_exist_is_refused_before_any_job(audience):
    event = {**dropped(audience["objects"]), "app_id": "f" * 32}

    answer = handler("import_split")(event, Context())

    assert answer == {
        **event,
        "status": "FAILED",
        "reason": f"Application not found: {'f' * 32}",
        "refused": True,
    }
    assert audience["jobs"].jobs == {}


def test_a_file_that_cannot_be_read_fails_its_job_with_the_reason(audience):
    event = dropped(audience["objects"], b"\xff\xfe not text")

    answer = handler("import_split")(event, Context())

    assert answer["status"] == "FAILED" and "UTF-8" in answer["reason"], answer
    (job,) = audience["jobs"].jobs.values()
    assert job["JobStatus"] == "FAILED" and job["Failures"][0].startswith("the file can't be imported: ")


def counted_job(jobs: MemoryJobs, job_id: str, define_segment: bool = True, failed: int = 0) -> None:
    jobs.create(new_job(job_id, SAMPLE_APP, BUCKET, f"imports/{SAMPLE_APP}/clean list.csv", define_segment))
    jobs.jobs[(SAMPLE_APP, job_id)].update(
        TotalPieces=1, CompletedPieces=1 - failed, FailedPieces=failed, TotalProcessed=3, TotalFailures=0
    )


def test_the_finish_sample_completes_the_job_with_the_segment_it_defines(audience, capsys):
    counted_job(audience["jobs"], "job-1")

    answer = handler("import_finish")(
        sample("audience/import_finish/finish.json", IMPORT_BUCKET=BUCKET, JOB_ID="job-1"), Context()
    )

    assert (answer["Id"], answer["JobStatus"], answer["Failures"]) == ("job-1", "COMPLETED", [])
    assert '"ImportsCompleted"' in capsys.readouterr().out
    segment = audience["segments"].get(SAMPLE_APP, "job-1")
    assert (segment["SegmentType"], segment["Name"], segment["ImportDefinition"]["Size"]) == (
        "IMPORT",
        "clean list",
        3,
    )
    assert (
        audience["segments"].members(SAMPLE_APP, "job-1")
        == f"s3://{BUCKET}/{members_prefix(SAMPLE_APP, 'job-1')}"
    )


def test_a_new_version_of_an_imported_segment_tags_the_old_member_lists_superseded(audience):
    old = {
        "Id": "seg-1",
        "ApplicationId": SAMPLE_APP,
        "SegmentType": "IMPORT",
        "CreationDate": "t",
        "Version": 1,
    }
    audience["segments"].put(old, f"s3://{BUCKET}/segment-members/{SAMPLE_APP}/old-job/")
    audience["objects"].write(BUCKET, f"segment-members/{SAMPLE_APP}/old-job/chunk-0.json", b"[]")
    counted_job(audience["jobs"], "job-2")
    event = sample("audience/import_finish/finish.json", IMPORT_BUCKET=BUCKET, JOB_ID="job-2")

    answer = handler("import_finish")({**event, "segment_id": "seg-1"}, Context())

    assert answer["JobStatus"] == "COMPLETED"
    assert audience["segments"].get(SAMPLE_APP, "seg-1")["Version"] == 2
    assert audience["objects"].tags == {
        (BUCKET, f"segment-members/{SAMPLE_APP}/old-job/chunk-0.json"): {SUPERSEDED_TAG: "true"}
    }


def test_a_failed_chunk_fails_the_job_and_removes_the_member_lists_no_segment_will_read(audience):
    counted_job(audience["jobs"], "job-3", failed=1)
    audience["objects"].write(BUCKET, f"{members_prefix(SAMPLE_APP, 'job-3')}chunk-0.json", b"[]")
    event = sample("audience/import_finish/finish.json", IMPORT_BUCKET=BUCKET, JOB_ID="job-3")

    answer = handler("import_finish")({**event, "error": {"Error": "States.Timeout"}}, Context())

    assert answer["JobStatus"] == "FAILED"
    assert answer["Failures"] == ["the import stopped: States.Timeout"]
    assert audience["segments"].get(SAMPLE_APP, "job-3") is None
    assert audience["objects"].keys(BUCKET, "segment-members/") == []


def test_a_refused_file_is_reported_as_the_failed_job_it_would_have_been(audience):
    event = {
        **sample("audience/import_finish/finish.json", IMPORT_BUCKET=BUCKET, JOB_ID="job-4"),
        "refused": True,
    }

    answer = handler("import_finish")({**event, "reason": "Application not found"}, Context())

    assert (answer["Id"], answer["JobStatus"], answer["Failures"]) == (
        "job-4",
        "FAILED",
        ["Application not found"],
    )
    assert audience["jobs"].jobs == {}


def test_finishing_a_job_that_does_not_exist_is_an_error(audience):
    with pytest.raises(LookupError, match="import job nowhere does not exist"):
        handler("import_finish")(
            sample("audience/import_finish/finish.json", IMPORT_BUCKET=BUCKET, JOB_ID="nowhere"), Context()
        )


def test_the_settings_read_the_chunk_size_with_its_default():
    assert ImportSettings.from_env({}) == ImportSettings(chunk_size=1000)
    assert ImportSettings.from_env({"IMPORT_CHUNK_SIZE": "250"}).chunk_size == 250


def test_create_import_job_with_a_segment_id_imports_that_segments_next_version():
    """ImportJobRequest.SegmentId: "the segment to update" (Pinpoint); the finishing step replaces
    that imported segment's members with the file's, as its next version."""
    from engage.audience.imports.job import requested_import
    from engage.errors import ValidationError

    role = "arn:aws:iam::123456789012:role/PinpointImport"
    request = {"S3Url": "s3://work/crm/weekly.csv", "Format": "CSV", "SegmentId": "seg-1", "RoleArn": role}
    job, workflow_input = requested_import("0123456789abcdef0123456789abcdef", request, "work", 4)
    assert job["Definition"]["RoleArn"] == role  # recorded, as Pinpoint's job showed it
    assert (job["Definition"]["SegmentId"], job["Definition"]["DefineSegment"]) == ("seg-1", True)
    assert workflow_input["segment_id"] == "seg-1" and workflow_input["define_segment"] is True
    plain, plain_input = requested_import(
        "0123456789abcdef0123456789abcdef", {**request, "SegmentId": None}, "work", 4
    )
    assert "SegmentId" not in plain["Definition"] and "segment_id" not in plain_input
    with pytest.raises(ValidationError, match="role"):
        requested_import(
            "0123456789abcdef0123456789abcdef", {**request, "RoleArn": "PinpointImport"}, "work", 4
        )
    with pytest.raises(ValidationError, match="SegmentId"):
        requested_import("0123456789abcdef0123456789abcdef", {**request, "SegmentId": " "}, "work", 4)
