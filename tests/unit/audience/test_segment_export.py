"""Export jobs (engage.segments.export): gzipped JSON-lines parts in Pinpoint's export format, read
back by the import reader, and the job record taken to its end."""

import gzip
import io

import pytest
from engage.audience.imports.reader import read_endpoints
from engage.errors import NotFoundError, ValidationError
from engage.segments.export import new_export_job, parse_s3_url, run_export, write_parts

ENDPOINTS = [
    {
        "ApplicationId": "exp",
        "Id": f"e{i}",
        "ChannelType": "EMAIL",
        "Address": f"user{i}@example.com",
        "EndpointStatus": "ACTIVE",
        "OptOut": "NONE",
        "EffectiveDate": "2026-11-01T00:00:00.000Z",
        "CreationDate": "2026-11-01T00:00:00.000Z",
        "CohortId": "7",
        "Attributes": {"Plan": ["gold", "vip"], "Note": ['comma, "quoted" and ünïcode']},
        "Metrics": {"orders": float(i)},
        "User": {"UserId": f"u{i}", "UserAttributes": {"FirstName": ["Zoë"]}},
        "Location": {"Country": "US", "City": "Seattle"},
        "Demographic": {"Timezone": "America/Los_Angeles", "Platform": "web"},
    }
    for i in range(7)
]


class Jobs:
    def __init__(self):
        self.jobs = {}

    def create(self, job):
        return self.jobs.setdefault(job["Id"], dict(job)) is not None

    def start_processing(self, app_id, job_id, pieces):
        self.jobs[job_id]["JobStatus"] = "PROCESSING"

    def finish(self, app_id, job_id, status, failures, totals=None):
        self.jobs[job_id].update(JobStatus=status, Failures=failures, **(totals or {}))
        return self.jobs[job_id]


def test_parts_split_by_size_and_read_back_as_the_same_endpoints():
    written = {}
    result = write_parts(
        ENDPOINTS, 3, lambda index, body: written.setdefault(f"part-{index}.gz", body) and f"part-{index}.gz"
    )
    assert [p["records"] for p in result.parts] == [3, 3, 1] and result.records == 7
    back = []
    for key in sorted(written):
        back.extend(r for r in read_endpoints(io.BytesIO(written[key])))
    assert all(r.error is None for r in back)
    for record, original in zip(back, ENDPOINTS, strict=True):
        assert record.endpoint_id == original["Id"]
        for field in (
            "ChannelType",
            "Address",
            "Attributes",
            "Metrics",
            "User",
            "Location",
            "Demographic",
            "OptOut",
        ):
            assert record.request[field] == original[field], field
    assert gzip.decompress(written["part-0.gz"]).count(b"\n") == 3


def test_an_empty_segment_writes_no_part():
    assert write_parts([], 10, lambda *_: pytest.fail("nothing to write")).parts == []


def test_an_export_job_completes_with_its_pieces_and_count():
    jobs, writes = Jobs(), []
    job = new_export_job("exp", {"S3UrlPrefix": "s3://work/exports/crm", "SegmentId": "seg"})
    assert (job["Type"], job["JobStatus"]) == ("EXPORT", "CREATED")
    done = run_export(
        job,
        lambda app, seg: iter(ENDPOINTS),
        jobs,
        lambda b, k, body: writes.append((b, k)) or k,
        5,
        ["work"],
    )
    assert (done["JobStatus"], done["TotalPieces"], done["CompletedPieces"], done["TotalProcessed"]) == (
        "COMPLETED",
        2,
        2,
        7,
    )
    assert writes == [
        ("work", f"exports/crm/{job['Id']}/part-00000.gz"),
        ("work", f"exports/crm/{job['Id']}/part-00001.gz"),
    ]


def test_an_export_that_cannot_succeed_fails_with_the_reason():
    def unknown(app, segment):
        raise NotFoundError(f"segment {segment!r} does not exist")

    job = new_export_job("exp", {"S3UrlPrefix": "s3://work/exports/x/", "SegmentId": "nope"})
    failed = run_export(job, unknown, Jobs(), lambda *a: "k", 5, ["work"])
    assert failed["JobStatus"] == "FAILED" and "does not exist" in failed["Failures"][0]
    elsewhere = new_export_job("exp", {"S3UrlPrefix": "s3://someone-else/x/", "SegmentId": "s"})
    refused = run_export(elsewhere, lambda a, s: iter(ENDPOINTS), Jobs(), lambda *a: "k", 5, ["work"])
    assert refused["JobStatus"] == "FAILED" and "this stack's bucket" in refused["Failures"][0]
    into_imports = new_export_job("exp", {"S3UrlPrefix": "s3://work/imports/other-app/", "SegmentId": "s"})
    refused = run_export(into_imports, lambda a, s: iter(ENDPOINTS), Jobs(), lambda *a: "k", 5, ["work"])
    assert refused["JobStatus"] == "FAILED" and "exports/" in refused["Failures"][0]


def test_an_export_stopped_by_an_unexpected_error_is_marked_failed_and_the_error_raised():
    def broken(app, segment):
        raise TimeoutError("read timed out")

    jobs = Jobs()
    job = new_export_job("exp", {"S3UrlPrefix": "s3://work/exports/", "SegmentId": "s"})
    with pytest.raises(TimeoutError):
        run_export(job, broken, jobs, lambda *a: "k", 5, ["work"])
    assert jobs.jobs[job["Id"]]["JobStatus"] == "FAILED"
    assert jobs.jobs[job["Id"]]["Failures"] == ["the export stopped: TimeoutError"]


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({"S3UrlPrefix": "https://x/y", "SegmentId": "s"}, "S3UrlPrefix"),
        ({"S3UrlPrefix": "s3://b/p"}, "SegmentId"),
    ],
)
def test_bad_export_requests_are_refused_naming_the_field(request_body, field):
    with pytest.raises(ValidationError) as refused:
        new_export_job("exp", request_body)
    assert refused.value.field == field


def test_s3_urls_split_into_bucket_and_prefix():
    assert parse_s3_url("s3://b/a/b") == ("b", "a/b/")
    assert parse_s3_url("s3://b") == ("b", "")
