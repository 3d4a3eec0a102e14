"""Contract tests of the Pinpoint-compatible API on the local stack: a real boto3 pinpoint client
(built by engage.pinpoint_client, nothing else changed) drives each audience operation, and each
documented error surfaces as the same botocore exception Pinpoint raised."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import engage
import pytest
import requests
from botocore.config import Config

from tests.support.apps import named_app

pytestmark = pytest.mark.e2e
APP = named_app("pinpoint-api")
ROLE = "arn:aws:iam::123456789012:role/role-name-with-path"
SAMPLES = Path(__file__).resolve().parents[3] / "events"


def test_an_endpoint_is_written_read_and_deleted_with_pinpoints_shapes(pinpoint):
    accepted = pinpoint.update_endpoint(
        ApplicationId=APP,
        EndpointId="ep-1",
        EndpointRequest={
            "ChannelType": "EMAIL",
            "Address": "ana@example.com",
            "Attributes": {"Plan": ["gold"]},
            "User": {"UserId": "user-1", "UserAttributes": {"FirstName": ["Ana"]}},
        },
    )
    assert accepted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert accepted["MessageBody"]["Message"] == "Accepted"
    endpoint = pinpoint.get_endpoint(ApplicationId=APP, EndpointId="ep-1")["EndpointResponse"]
    assert (endpoint["Id"], endpoint["ApplicationId"], endpoint["Address"]) == (
        "ep-1",
        APP,
        "ana@example.com",
    )
    assert endpoint["User"]["UserAttributes"] == {"FirstName": ["Ana"]}
    assert endpoint["EndpointStatus"] == "ACTIVE" and endpoint["CohortId"]
    deleted = pinpoint.delete_endpoint(ApplicationId=APP, EndpointId="ep-1")["EndpointResponse"]
    assert deleted["Id"] == "ep-1"
    with pytest.raises(pinpoint.exceptions.NotFoundException) as missing:
        pinpoint.get_endpoint(ApplicationId=APP, EndpointId="ep-1")
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "ep-1" in missing.value.response["Error"]["Message"]


def test_a_batch_and_a_users_endpoints(pinpoint):
    pinpoint.update_endpoints_batch(
        ApplicationId=APP,
        EndpointBatchRequest={
            "Item": [
                {
                    "Id": "u2-mail",
                    "ChannelType": "EMAIL",
                    "Address": "ben@example.com",
                    "User": {"UserId": "user-2"},
                },
                {
                    "Id": "u2-sms",
                    "ChannelType": "SMS",
                    "Address": "+12065550500",
                    "User": {"UserId": "user-2"},
                },
            ]
        },
    )
    found = pinpoint.get_user_endpoints(ApplicationId=APP, UserId="user-2")["EndpointsResponse"]["Item"]
    assert sorted(e["Id"] for e in found) == ["u2-mail", "u2-sms"]
    removed = pinpoint.delete_user_endpoints(ApplicationId=APP, UserId="user-2")["EndpointsResponse"]["Item"]
    assert sorted(e["Id"] for e in removed) == ["u2-mail", "u2-sms"]
    with pytest.raises(pinpoint.exceptions.NotFoundException):  # as Pinpoint: no endpoints, no user
        pinpoint.get_user_endpoints(ApplicationId=APP, UserId="user-2")


def test_ids_with_reserved_characters_arrive_as_the_caller_wrote_them(pinpoint):
    pinpoint.update_endpoint(
        ApplicationId=APP,
        EndpointId="mail:ana@example.com",
        EndpointRequest={
            "ChannelType": "EMAIL",
            "Address": "ana@example.com",
            "User": {"UserId": "ana@example.com"},
        },
    )
    (endpoint,) = pinpoint.get_user_endpoints(ApplicationId=APP, UserId="ana@example.com")[
        "EndpointsResponse"
    ]["Item"]
    assert endpoint["Id"] == "mail:ana@example.com"
    assert pinpoint.get_endpoint(ApplicationId=APP, EndpointId="mail:ana@example.com")["EndpointResponse"][
        "Id"
    ] == ("mail:ana@example.com")


def test_bad_requests_and_limits_raise_bad_request(pinpoint):
    with pytest.raises(pinpoint.exceptions.BadRequestException) as bad:
        pinpoint.update_endpoint(
            ApplicationId=APP, EndpointId="ep-bad", EndpointRequest={"ChannelType": "FAX", "Address": "x"}
        )
    assert "ChannelType" in bad.value.response["Error"]["Message"]
    too_many = [{"Id": f"b{i}", "ChannelType": "EMAIL", "Address": f"b{i}@example.com"} for i in range(101)]
    with pytest.raises(pinpoint.exceptions.BadRequestException) as limit:
        pinpoint.update_endpoints_batch(ApplicationId=APP, EndpointBatchRequest={"Item": too_many})
    assert "100" in limit.value.response["Error"]["Message"]
    with pytest.raises(pinpoint.exceptions.BadRequestException):
        pinpoint.create_segment(
            ApplicationId=APP,
            WriteSegmentRequest={
                "Name": "x",
                "Dimensions": {"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "RECENT"}}},
            },
        )


def test_segments_are_created_and_read(pinpoint):
    pinpoint.update_endpoint(
        ApplicationId=APP,
        EndpointId="gold-1",
        EndpointRequest={
            "ChannelType": "EMAIL",
            "Address": "g1@example.com",
            "Attributes": {"Plan": ["gold"]},
        },
    )
    created = pinpoint.create_segment(
        ApplicationId=APP,
        WriteSegmentRequest={
            "Name": "gold",
            "Dimensions": {"Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}},
        },
    )["SegmentResponse"]
    assert (created["Name"], created["SegmentType"], created["Version"]) == ("gold", "DIMENSIONAL", 1)
    assert pinpoint.get_segment(ApplicationId=APP, SegmentId=created["Id"])["SegmentResponse"] == created
    listed = pinpoint.get_segments(ApplicationId=APP, PageSize="10")["SegmentsResponse"]["Item"]
    assert created["Id"] in [s["Id"] for s in listed]
    pinpoint.create_segment(
        ApplicationId=APP,
        WriteSegmentRequest={
            "Name": "second",
            "Dimensions": {"Demographic": {"Channel": {"Values": ["SMS"]}}},
        },
    )
    first = pinpoint.get_segments(ApplicationId=APP, PageSize="1")["SegmentsResponse"]
    rest = pinpoint.get_segments(ApplicationId=APP, PageSize="1", Token=first["NextToken"])[
        "SegmentsResponse"
    ]
    assert len(first["Item"]) == len(rest["Item"]) == 1 and first["Item"][0]["Id"] != rest["Item"][0]["Id"]
    with pytest.raises(pinpoint.exceptions.BadRequestException):
        pinpoint.get_segments(ApplicationId=APP, PageSize="0")
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_segment(ApplicationId=APP, SegmentId="no-such-segment")


def test_an_export_job_runs_to_completion(pinpoint, local_stack):
    bucket = local_stack.stacks["engage"].outputs["ImportBucketName"]
    segment = pinpoint.create_segment(
        ApplicationId=APP,
        WriteSegmentRequest={
            "Name": "gold again",
            "Dimensions": {"Attributes": {"Plan": {"Values": ["gold"]}}},
        },
    )["SegmentResponse"]
    job = pinpoint.create_export_job(
        ApplicationId=APP,
        ExportJobRequest={
            "S3UrlPrefix": f"s3://{bucket}/exports/api/",
            "SegmentId": segment["Id"],
            "RoleArn": "arn:aws:iam::123456789012:role/unused",
        },
    )["ExportJobResponse"]
    assert (job["Type"], job["JobStatus"]) == ("EXPORT", "CREATED")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = pinpoint.get_export_job(ApplicationId=APP, JobId=job["Id"])["ExportJobResponse"]
        if current["JobStatus"] in ("COMPLETED", "FAILED"):
            break
        time.sleep(0.2)
    assert (current["JobStatus"], current["TotalProcessed"], current["TotalPieces"]) == ("COMPLETED", 1, 1)
    assert job["Id"] in [
        j["Id"] for j in pinpoint.get_export_jobs(ApplicationId=APP)["ExportJobsResponse"]["Item"]
    ]
    with pytest.raises(pinpoint.exceptions.BadRequestException):  # refused before a job exists
        pinpoint.create_export_job(
            ApplicationId=APP,
            ExportJobRequest={
                "S3UrlPrefix": f"s3://{bucket}/imports/other/",
                "SegmentId": segment["Id"],
                "RoleArn": ROLE,
            },
        )
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.create_export_job(
            ApplicationId=APP,
            ExportJobRequest={
                "S3UrlPrefix": f"s3://{bucket}/exports/",
                "SegmentId": "nope",
                "RoleArn": "arn:aws:iam::123456789012:role/unused",
            },
        )
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_export_job(ApplicationId=APP, JobId="no-such-job")


def test_phone_number_validate_passes_through_and_throttling_surfaces_as_pinpoints(
    pinpoint, local_stack, faults
):
    answer = pinpoint.phone_number_validate(NumberValidateRequest={"PhoneNumber": "+442071838750"})[
        "NumberValidateResponse"
    ]
    assert (answer["CleansedPhoneNumberE164"], answer["PhoneType"], answer["CountryCodeIso2"]) == (
        "+442071838750",
        "LANDLINE",
        "GB",
    )
    faults({"service": "pinpoint", "operation": "PhoneNumberValidate", "kind": "throttle", "rate": 1.0})
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=local_stack.region
    )
    once = engage.pinpoint_client(
        local_stack.api.url, session=session, config=Config(retries={"total_max_attempts": 1})
    )
    with pytest.raises(once.exceptions.TooManyRequestsException):
        once.phone_number_validate(NumberValidateRequest={"PhoneNumber": "+442071838750"})


def _wait_for(get, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get()
        if job["JobStatus"] in ("COMPLETED", "FAILED"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job not finished: {job}")


def test_an_import_job_imports_a_file_from_the_stacks_bucket(pinpoint, local_stack):
    bucket = local_stack.stacks["engage"].outputs["ImportBucketName"]
    local_stack.client("s3").put_object(
        Bucket=bucket,
        Key="crm/weekly.csv",
        Body=(SAMPLES / "audience" / "import_files" / "clean.csv").read_bytes(),
    )
    job = pinpoint.create_import_job(
        ApplicationId=APP,
        ImportJobRequest={
            "S3Url": f"s3://{bucket}/crm/weekly.csv",
            "Format": "CSV",
            "RoleArn": ROLE,
            "DefineSegment": True,
        },
    )["ImportJobResponse"]
    assert (job["Type"], job["Definition"]["Format"], job["Definition"]["DefineSegment"]) == (
        "IMPORT",
        "CSV",
        True,
    )
    done = _wait_for(lambda: pinpoint.get_import_job(ApplicationId=APP, JobId=job["Id"])["ImportJobResponse"])
    assert (done["JobStatus"], done["TotalProcessed"], done["TotalFailures"]) == ("COMPLETED", 3, 0)
    assert job["Id"] in [
        j["Id"] for j in pinpoint.get_import_jobs(ApplicationId=APP)["ImportJobsResponse"]["Item"]
    ]
    segment = pinpoint.get_segment(ApplicationId=APP, SegmentId=job["Id"])["SegmentResponse"]
    assert (segment["SegmentType"], segment["Name"], segment["ImportDefinition"]["Size"]) == (
        "IMPORT",
        "weekly",
        3,
    )
    for url, field in (
        ("https://example.com/x.csv", "S3Url"),
        ("s3://not-this-stacks-bucket/x.csv", "S3Url"),
        (f"s3://{bucket}/imports/{APP}/x.csv", "S3Url"),  # dropped files import themselves
        (f"s3://{bucket}/exports/{APP}/part-00000.gz", "S3Url"),  # other applications' endpoints
    ):
        with pytest.raises(pinpoint.exceptions.BadRequestException) as refused:
            pinpoint.create_import_job(
                ApplicationId=APP, ImportJobRequest={"S3Url": url, "Format": "CSV", "RoleArn": ROLE}
            )
        assert field in refused.value.response["Error"]["Message"]
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_import_job(ApplicationId=APP, JobId="no-such-job")


def _signed_get(local_stack, path: str, service: str) -> requests.Response:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=f"{local_stack.api.url}{path}")
    SigV4Auth(Credentials("testing", "testing"), service, local_stack.region).add_auth(request)
    return requests.get(request.url, headers=dict(request.headers), timeout=10)


def test_unsigned_or_wrongly_scoped_requests_are_refused_as_api_gateway_does(local_stack):
    unsigned = requests.get(f"{local_stack.api.url}/v1/apps/{APP}/segments", timeout=10)
    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    for_pinpoint = _signed_get(local_stack, f"/v1/apps/{APP}/segments", "mobiletargeting")
    assert for_pinpoint.status_code == 403 and "execute-api" in for_pinpoint.json()["message"]
    assert _signed_get(local_stack, f"/v1/apps/{APP}/segments", "execute-api").status_code == 200


def test_an_unknown_path_is_not_found(local_stack):
    response = _signed_get(local_stack, "/v1/nothing-here", "execute-api")
    assert response.status_code == 404 and response.headers["x-amzn-ErrorType"] == "NotFoundException"


def test_the_isv_guides_examples_run_verbatim_with_only_the_client_changed(local_stack, monkeypatch):
    """The partner guide's audience examples: `client = boto3.client('pinpoint')` became the line
    below; the calls are copied as published (placeholders filled in)."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", local_stack.region)
    client = engage.pinpoint_client(local_stack.api.url)

    client.update_endpoint(
        ApplicationId=APP,
        EndpointId="isv-endpoint",
        EndpointRequest={
            "ChannelType": "EMAIL",
            "Address": "isv@example.com",
            "User": {"UserId": "isv-user"},
        },
    )
    response = client.update_endpoint(
        ApplicationId=APP,
        EndpointId="isv-endpoint",
        EndpointRequest={
            "Attributes": {"MyCustomAttribute": ["Custom Attribute Value 1", "Custom Attribute Value 2"]}
        },
    )
    assert response["MessageBody"]["Message"] == "Accepted"

    response = client.get_user_endpoints(ApplicationId=APP, UserId="isv-user")
    (endpoint,) = response["EndpointsResponse"]["Item"]
    assert endpoint["Attributes"]["MyCustomAttribute"] == [
        "Custom Attribute Value 1",
        "Custom Attribute Value 2",
    ]


def test_the_isv_guides_import_examples_run_verbatim_with_only_the_client_changed(local_stack, monkeypatch):
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", local_stack.region)
    bucket = local_stack.stacks["engage"].outputs["ImportBucketName"]
    local_stack.client("s3").put_object(
        Bucket=bucket,
        Key="folder-name/file-name.csv",
        Body=(SAMPLES / "audience" / "import_files" / "clean.csv").read_bytes(),
    )
    client = engage.pinpoint_client(local_stack.api.url)

    response = client.create_import_job(
        ApplicationId=APP,
        ImportJobRequest={
            "DefineSegment": False,
            "Format": "CSV",
            "RoleArn": "arn:aws:iam::account-id:role/role-name-with-path",
            "S3Url": f"s3://{bucket}/folder-name/file-name.csv",
        },
    )
    plain = response["ImportJobResponse"]

    response = client.create_import_job(
        ApplicationId=APP,
        ImportJobRequest={
            "DefineSegment": True,  # Allows for definition of a named segment in Amazon Pinpoint
            "Format": "CSV",
            "RoleArn": "arn:aws:iam::account-id:role/role-name-with-path",
            "S3Url": f"s3://{bucket}/folder-name/file-name.csv",
            "SegmentName": "Segment 123 from CDP",
        },
    )
    named = response["ImportJobResponse"]

    for job in (plain, named):
        assert (
            _wait_for(
                lambda job=job: client.get_import_job(ApplicationId=APP, JobId=job["Id"])["ImportJobResponse"]
            )["JobStatus"]
            == "COMPLETED"
        )
    segments = {s["Name"]: s for s in client.get_segments(ApplicationId=APP)["SegmentsResponse"]["Item"]}
    assert segments["Segment 123 from CDP"]["ImportDefinition"]["Size"] == 3
    assert plain["Id"] not in [s["Id"] for s in segments.values()]  # DefineSegment False: no segment


def test_the_sample_events_drive_the_function(local_stack):
    """events/api/pinpoint_api/: what `sam local invoke` sends (the API's proxy event), through the
    deployed function; API Gateway's IAM check is not part of a direct invocation."""
    from tests.e2e.audience.test_imports import _sample
    from tests.e2e.conftest import invoke

    written = invoke(
        local_stack,
        "PinpointApi/PinpointApiFunction",
        _sample("api/pinpoint_api/update_endpoint.json"),
        stack="engage",
    )
    assert written["error"] is None and written["payload"]["statusCode"] == 202, written
    read = invoke(
        local_stack,
        "PinpointApi/PinpointApiFunction",
        _sample("api/pinpoint_api/get_user_endpoints.json"),
        stack="engage",
    )
    assert read["payload"]["statusCode"] == 200
    (endpoint,) = json.loads(read["payload"]["body"])["Item"]
    assert (endpoint["Id"], endpoint["Address"]) == ("sample-endpoint", "+12065550123")
    put = invoke(
        local_stack,
        "PinpointApi/PinpointApiFunction",
        _sample("api/pinpoint_api/put_events.json"),
        stack="engage",
    )
    assert put["payload"]["statusCode"] == 202
    answered = json.loads(put["payload"]["body"])["Results"]["sample-endpoint"]["EventsItemResponse"]
    assert (answered["sample-event-1"]["StatusCode"], answered["sample-event-2"]["StatusCode"]) == (202, 400)
