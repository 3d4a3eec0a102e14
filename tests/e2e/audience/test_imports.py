"""The import workflow on the local stack, driven from the outside: files dropped in the import
bucket, then the contact store, the job record, the failure lines and the notifications checked."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from pathlib import Path

import pytest
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.adapters.dynamodb.jobs import DynamoJobStore
from engage.adapters.dynamodb.segments import DynamoSegmentStore
from engage.audience.imports.job import ImportSource
from engage.contacts import ContactStore

from engage_local.api import wait_until
from tests.e2e.conftest import invoke
from tests.support.apps import SAMPLE_APP, named_app
from tests.support.topics import TopicInbox

IMP_BIG_APP = named_app("imp-big")
IMP_CLEAN_APP = named_app("imp-clean")
IMP_CORRUPT_APP = named_app("imp-corrupt")
IMP_EXPORT_APP = named_app("imp-export")
IMP_FAILED_APP = named_app("imp-failed")
IMP_GZIP_APP = named_app("imp-gzip")
IMP_MESSY_APP = named_app("imp-messy")
IMP_PLUS_APP = named_app("imp-plus")
IMP_PNG_APP = named_app("imp-png")
IMP_TWICE_APP = named_app("imp-twice")

pytestmark = pytest.mark.e2e
SAMPLES = Path(__file__).resolve().parents[3] / "events"


@pytest.fixture(scope="module")
def audience(local_stack):
    outputs = local_stack.stacks["engage"].outputs
    dynamodb = local_stack.client("dynamodb")
    return {
        "bucket": outputs["ImportBucketName"],
        "inbox": TopicInbox(local_stack, outputs["ImportNotificationTopicArn"], "import-notifications"),
        "jobs": DynamoJobStore(outputs["JobsTableName"], dynamodb),
        "contacts": ContactStore(DynamoEndpointRepository(outputs["ContactsTableName"], dynamodb)),
        "segments": DynamoSegmentStore(outputs["SegmentsTableName"], dynamodb),
    }


def drop(local_stack, audience, app, name, body: bytes, timeout=60):
    """Puts a file under imports/<app>/ and waits for its job to finish; returns the job."""
    key = f"imports/{app}/{name}"
    local_stack.client("s3").put_object(Bucket=audience["bucket"], Key=key, Body=body)

    def finished():
        jobs = [j for j in audience["jobs"].list(app) if j["Definition"].get("S3Url", "").endswith(f"/{key}")]
        return [j for j in jobs if j["JobStatus"] in ("COMPLETED", "FAILED")]

    assert wait_until(lambda: finished(), timeout=timeout), audience["jobs"].list(app)
    return finished()[-1]


def notifications(local_stack, audience, job_id, expect):
    def about_job():
        return audience["inbox"].about(lambda body: job_id in (body.get("job_id"), body.get("Id")))

    wait_until(lambda: len(about_job()) >= len(expect), timeout=10)
    return [kind for kind, _ in about_job()]


def test_a_clean_file_is_imported_with_pinpoints_job_record(local_stack, audience):
    job = drop(
        local_stack,
        audience,
        IMP_CLEAN_APP,
        "clean.csv",
        (SAMPLES / "audience" / "import_files" / "clean.csv").read_bytes(),
    )
    assert job["JobStatus"] == "COMPLETED"
    assert (job["TotalPieces"], job["CompletedPieces"], job["FailedPieces"]) == (1, 1, 0)
    assert (job["TotalProcessed"], job["TotalFailures"], job["Failures"]) == (3, 0, [])
    assert job["Definition"]["Format"] == "CSV" and job["Definition"]["SegmentName"] == "clean"
    # The role that read the dropped file, as Pinpoint's jobs always named one.
    assert (
        ":role/" in job["Definition"]["RoleArn"] and "ImportSplitFunctionRole" in job["Definition"]["RoleArn"]
    )
    endpoint = audience["contacts"].get(IMP_CLEAN_APP, "ep-1")
    assert endpoint["User"] == {"UserId": "u-1", "UserAttributes": {"FirstName": ["Ana"]}}
    assert endpoint["Metrics"] == {"orders": 3.0}
    assert len(audience["contacts"].get_user_endpoints(IMP_CLEAN_APP, "u-1")) == 2
    assert notifications(local_stack, audience, job["Id"], ["started", "success"]) == ["started", "success"]
    segment = audience["segments"].get(IMP_CLEAN_APP, job["Id"])
    assert (segment["Name"], segment["SegmentType"], segment["ImportDefinition"]["Size"]) == (
        "clean",
        "IMPORT",
        3,
    )


def test_a_messy_file_imports_what_it_can_and_reports_the_rest_by_line(local_stack, audience):
    job = drop(
        local_stack,
        audience,
        IMP_MESSY_APP,
        "messy.csv",
        (SAMPLES / "audience" / "import_files" / "messy.csv").read_bytes(),
    )
    assert job["JobStatus"] == "COMPLETED"
    assert (job["TotalProcessed"], job["TotalFailures"]) == (8, 3)
    assert [f.split(":")[0] for f in job["Failures"]] == ["line 8", "line 9", "line 10"]
    found = audience["contacts"].find_by_address(IMP_MESSY_APP, "SMS", "(202) 555-0191")
    assert len(found) == 1 and found[0]["Attributes"]["LastName"] == ["Ng, Jr."]


def test_gzipped_and_bom_crlf_files_import_the_same(local_stack, audience):
    raw = (SAMPLES / "audience" / "import_files" / "messy.csv").read_bytes()
    job = drop(
        local_stack,
        audience,
        IMP_GZIP_APP,
        "messy.csv.gz",
        gzip.compress(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n")),
    )
    assert (job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]) == ("COMPLETED", 8, 3)


def test_a_pinpoint_export_is_imported_again(local_stack, audience):
    lines = [
        json.dumps(
            {
                "Id": f"x-{i}",
                "ApplicationId": "retired-project",
                "CohortId": "7",
                "CreationDate": "2025-03-01T00:00:00Z",
                "ChannelType": "EMAIL",
                "Address": f"exported{i}@example.com",
                "EffectiveDate": "2025-03-02T00:00:00Z",
                "EndpointStatus": "ACTIVE",
                "OptOut": "NONE",
                "Attributes": {"Tier": ["gold"]},
            }
        )
        for i in range(5)
    ]
    job = drop(
        local_stack, audience, IMP_EXPORT_APP, "export-part-0.gz", gzip.compress("\n".join(lines).encode())
    )
    assert (job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]) == ("COMPLETED", 5, 0)
    assert job["Definition"]["Format"] == "CSV" or job["Definition"]["Format"] == "JSON"
    assert audience["contacts"].get(IMP_EXPORT_APP, "x-3")["Attributes"] == {"Tier": ["gold"]}


def test_a_file_large_enough_for_several_chunks(local_stack, audience):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Id", "ChannelType", "Address", "Attributes.Row"])
    writer.writerows([f"big-{i}", "EMAIL", f"big{i}@example.com", str(i)] for i in range(120))
    job = drop(local_stack, audience, IMP_BIG_APP, "big.csv", out.getvalue().encode())
    assert (job["TotalPieces"], job["CompletedPieces"], job["TotalProcessed"]) == (5, 5, 120)  # 4.2 kB
    assert len(list(audience["contacts"].list_by_channel(IMP_BIG_APP, "EMAIL"))) == 120


def test_corrupt_rows_are_rejected_and_counted(local_stack, audience):
    body = b'{"Id": "ok-1", "ChannelType": "EMAIL", "Address": "ok@example.com"}\n{broken\n["x"]\n'
    job = drop(local_stack, audience, IMP_CORRUPT_APP, "corrupt.jsonl", body)
    assert (job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]) == ("COMPLETED", 3, 2)
    assert job["Failures"][0].startswith("line 2: not valid JSON")


def test_a_file_that_is_not_csv_fails_the_job_with_a_clear_message(local_stack, audience):
    job = drop(
        local_stack, audience, IMP_PNG_APP, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
    )
    assert job["JobStatus"] == "FAILED"
    assert job["Failures"][0].startswith("the file can't be imported: not UTF-8 text")
    assert notifications(local_stack, audience, job["Id"], ["started", "failure"])[-1] == "failure"


def test_one_object_version_imports_once_and_a_new_upload_imports_again(local_stack, audience):
    """The import bucket keeps versions: a second event for one version (S3 delivers at least once)
    starts nothing, while uploading the file again makes a new version, which is imported again."""
    body = (SAMPLES / "audience" / "import_files" / "clean.csv").read_bytes()
    key = f"imports/{IMP_TWICE_APP}/clean.csv"
    first = drop(local_stack, audience, IMP_TWICE_APP, "clean.csv", body)
    head = local_stack.client("s3").head_object(Bucket=audience["bucket"], Key=key)
    event = _sample(
        "audience/import_start/object_created.json",
        IMPORT_BUCKET=audience["bucket"],
        VERSION_ID=head["VersionId"],
    )
    event["detail"]["object"].update(key=key, etag=head["ETag"].strip('"'))
    again = invoke(local_stack, "Audience/ImportStartFunction", event, stack="engage")
    assert again["error"] is None and again["payload"]["job_id"] == first["Id"]
    time.sleep(1.5)
    local_stack.settle()
    assert [j["Id"] for j in audience["jobs"].list(IMP_TWICE_APP)] == [first["Id"]], "one version: one job"
    local_stack.client("s3").put_object(Bucket=audience["bucket"], Key=key, Body=body)

    def completed():
        return [j for j in audience["jobs"].list(IMP_TWICE_APP) if j["JobStatus"] == "COMPLETED"]

    assert wait_until(lambda: len(completed()) == 2, 60), audience["jobs"].list(IMP_TWICE_APP)


def _sample(name: str, **values: str) -> dict:
    text = (SAMPLES / name).read_text()
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def test_the_sample_events_drive_each_step(local_stack, audience):
    """events/import_*/: the samples `sam local invoke` uses, run through the deployed functions."""
    s3 = local_stack.client("s3")
    s3.put_object(
        Bucket=audience["bucket"],
        Key=f"imports/{SAMPLE_APP}/clean list.csv",
        Body=(SAMPLES / "audience" / "import_files" / "clean.csv").read_bytes(),
    )
    head = s3.head_object(Bucket=audience["bucket"], Key=f"imports/{SAMPLE_APP}/clean list.csv")
    etag, version_id = head["ETag"].strip('"'), head["VersionId"]  # the import bucket keeps versions
    sfn = local_stack.client("stepfunctions")
    workflow = next(
        r["physical_id"]
        for r in local_stack.stacks["engage"].children["Audience"].resources
        if r["logical_id"] == "ImportWorkflow"
    )
    expected = ImportSource(
        audience["bucket"], f"imports/{SAMPLE_APP}/clean list.csv", f"{version_id}/{etag}"
    ).execution_name

    def names():
        return [e["name"] for e in sfn.list_executions(stateMachineArn=workflow)["executions"]]

    assert wait_until(lambda: expected in names(), timeout=10), (expected, names())
    start = _sample(
        "audience/import_start/object_created.json", IMPORT_BUCKET=audience["bucket"], VERSION_ID=version_id
    )
    start["detail"]["object"]["etag"] = etag
    started = invoke(local_stack, "Audience/ImportStartFunction", start, stack="engage")
    assert started["error"] is None, started
    assert started["payload"]["job_id"] == expected.removeprefix("import-")
    assert names().count(expected) == 1, "the same object names the same execution: no second import"
    split_input = _sample("audience/import_split/start.json", IMPORT_BUCKET=audience["bucket"])
    job_id = ImportSource(split_input["bucket"], split_input["key"], split_input["version"]).job_id
    split = invoke(local_stack, "Audience/ImportSplitFunction", split_input, stack="engage")
    assert split["payload"]["pieces"] == 1 and split["payload"]["status"] == "PROCESSING"
    piece = _sample("audience/import_chunk/piece.json", IMPORT_BUCKET=audience["bucket"], JOB_ID=job_id)
    manifest = local_stack.client("s3").get_object(
        Bucket=audience["bucket"], Key=split["payload"]["manifest"]
    )
    (cut,) = json.loads(manifest["Body"].read())
    assert {k: v for k, v in cut.items() if k != "pin"} == piece, "the sample is the piece the split cut"
    assert set(cut["pin"]) == {"VersionId"}, "its reads name the version the split scanned"
    chunk = invoke(local_stack, "Audience/ImportChunkFunction", piece, stack="engage")
    assert chunk["payload"] == {"index": 0, "accepted": 3, "rejected": 0, "counted": True}
    again = invoke(
        local_stack,
        "Audience/ImportChunkFunction",
        _sample("audience/import_chunk/piece.json", IMPORT_BUCKET=audience["bucket"], JOB_ID=job_id),
        stack="engage",
    )
    assert again["payload"]["counted"] is False, "a redelivered chunk is not counted twice"
    finish = invoke(
        local_stack,
        "Audience/ImportFinishFunction",
        _sample("audience/import_finish/finish.json", IMPORT_BUCKET=audience["bucket"], JOB_ID=job_id),
        stack="engage",
    )
    assert finish["payload"]["JobStatus"] == "COMPLETED" and finish["payload"]["TotalProcessed"] == 3


def test_a_key_with_a_plus_sign_is_found_whichever_way_the_event_spells_it(local_stack, audience):
    job = drop(
        local_stack,
        audience,
        IMP_PLUS_APP,
        "c++ users.csv",
        (SAMPLES / "audience" / "import_files" / "clean.csv").read_bytes(),
    )
    assert (job["JobStatus"], job["TotalProcessed"]) == ("COMPLETED", 3)


def test_a_failed_import_defines_no_segment_and_leaves_no_member_lists(local_stack, audience):
    """A job whose chunk failed ends FAILED: the member lists its other chunks wrote are removed."""
    from engage.audience.imports.job import ChunkResult, members_prefix, new_job

    app, job_id = IMP_FAILED_APP, "f" * 32
    audience["jobs"].create(new_job(job_id, app, audience["bucket"], f"imports/{app}/x.csv", True))
    audience["jobs"].start_processing(app, job_id, 2)
    audience["jobs"].record_chunk(
        app, job_id, 0, ChunkResult(processed=1, accepted=1, accepted_ids=["e1"]), False
    )
    audience["jobs"].record_chunk(app, job_id, 1, ChunkResult(), True)
    s3 = local_stack.client("s3")
    prefix = members_prefix(app, job_id)
    s3.put_object(Bucket=audience["bucket"], Key=f"{prefix}part-00000.json", Body=b'["e1"]')
    finished = invoke(
        local_stack, "Audience/ImportFinishFunction", {"app_id": app, "job_id": job_id}, stack="engage"
    )
    assert finished["payload"]["JobStatus"] == "FAILED"
    assert s3.list_objects_v2(Bucket=audience["bucket"], Prefix=prefix).get("KeyCount", 0) == 0
    assert audience["segments"].get(app, job_id) is None
