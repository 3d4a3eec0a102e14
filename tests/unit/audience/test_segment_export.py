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
        lambda role: lambda b, k, body: writes.append((role, b, k)) or k,
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
        (None, "work", f"exports/crm/{job['Id']}/part-00000.gz"),
        (None, "work", f"exports/crm/{job['Id']}/part-00001.gz"),
    ]


def test_an_export_that_cannot_succeed_fails_with_the_reason():
    def unknown(app, segment):
        raise NotFoundError(f"segment {segment!r} does not exist")

    job = new_export_job("exp", {"S3UrlPrefix": "s3://work/exports/x/", "SegmentId": "nope"})
    failed = run_export(job, unknown, Jobs(), OWN, 5, ["work"])
    assert failed["JobStatus"] == "FAILED" and "does not exist" in failed["Failures"][0]
    elsewhere = new_export_job("exp", {"S3UrlPrefix": "s3://someone-else/x/", "SegmentId": "s"})
    refused = run_export(elsewhere, lambda a, s: iter(ENDPOINTS), Jobs(), OWN, 5, ["work"])
    assert refused["JobStatus"] == "FAILED" and "RoleArn" in refused["Failures"][0]  # none to write as
    into_imports = new_export_job("exp", {"S3UrlPrefix": "s3://work/imports/other-app/", "SegmentId": "s"})
    refused = run_export(into_imports, lambda a, s: iter(ENDPOINTS), Jobs(), OWN, 5, ["work"])
    assert refused["JobStatus"] == "FAILED" and "exports/" in refused["Failures"][0]


def OWN(role):
    assert role is None, "this stack's own bucket is written as its own role"
    return lambda *a: "k"


def test_an_export_to_the_callers_bucket_is_written_as_the_role_the_job_names():
    writes = []
    role = "arn:aws:iam::123456789012:role/PinpointSegmentExport"
    job = new_export_job(
        "exp", {"S3UrlPrefix": "s3://crm-exports/weekly/", "SegmentId": "s", "RoleArn": role}
    )
    done = run_export(
        job,
        lambda a, s: iter(ENDPOINTS),
        Jobs(),
        lambda r: lambda b, k, body: writes.append((r, b, k)) or k,
        5,
        ["work"],
    )
    assert done["JobStatus"] == "COMPLETED"
    assert writes[0] == (role, "crm-exports", f"weekly/{job['Id']}/part-00000.gz")

    def denied(r):
        def write(*_):
            raise ValidationError("S3UrlPrefix", "the role may not write there (AccessDenied: denied)")

        return write

    failed = run_export(job, lambda a, s: iter(ENDPOINTS), Jobs(), denied, 5, ["work"])
    assert failed["JobStatus"] == "FAILED" and "AccessDenied" in failed["Failures"][0]


def test_the_role_writer_assumes_the_role_and_names_what_aws_refused():
    import boto3
    from botocore.stub import Stubber
    from engage.adapters.s3.as_role import RoleWriters

    sts = boto3.client("sts", region_name="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    role = "arn:aws:iam::123456789012:role/PinpointSegmentExport"
    credentials = {
        "AccessKeyId": "ASIAEXAMPLE0000000",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": "2026-12-07T13:00:00Z",
    }
    given = []
    writers = RoleWriters(lambda *a: "own", sts, lambda c: given.append(c) or s3)
    with Stubber(sts) as sts_stub, Stubber(s3) as s3_stub:
        sts_stub.add_response(
            "assume_role",
            {"Credentials": credentials, "AssumedRoleUser": {"AssumedRoleId": "AROA:x", "Arn": f"{role}/x"}},
            {"RoleArn": role, "RoleSessionName": "engage-segment-export"},
        )
        s3_stub.add_response(
            "put_object", {}, {"Bucket": "crm", "Key": "k1", "Body": b"x", "ContentType": "application/gzip"}
        )
        s3_stub.add_client_error("put_object", "AccessDenied", "Access Denied", 403)
        sts_stub.add_client_error(
            "assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole", 403
        )
        write = writers(role)
        assert write("crm", "k1", b"x") == "k1" and given[0]["AccessKeyId"] == "ASIAEXAMPLE0000000"
        with pytest.raises(ValidationError, match="AccessDenied"):
            write("crm", "k2", b"x")
        with pytest.raises(ValidationError, match="could not be assumed"):
            writers(role)
    assert writers(None)("work", "k", b"") == "own"


def test_an_export_stopped_by_an_unexpected_error_is_marked_failed_and_the_error_raised():
    def broken(app, segment):
        raise TimeoutError("read timed out")

    jobs = Jobs()
    job = new_export_job("exp", {"S3UrlPrefix": "s3://work/exports/", "SegmentId": "s"})
    with pytest.raises(TimeoutError):
        run_export(job, broken, jobs, OWN, 5, ["work"])
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
