"""Endpoints written through the API and read back, and a CSV file dropped in the import bucket
becoming endpoints: the audience as a client of the deployed stack sees it."""

from __future__ import annotations

import uuid

import pytest

from tests.cloud.target import remove_objects

pytestmark = pytest.mark.cloud


def test_endpoints_written_through_the_api_are_read_back_by_id_and_by_user(target, pinpoint, app):
    accepted = pinpoint.update_endpoints_batch(
        ApplicationId=app,
        EndpointBatchRequest={
            "Item": [
                {
                    "Id": "mail-1",
                    "ChannelType": "EMAIL",
                    "Address": "success@simulator.amazonses.com",
                    "Attributes": {"Plan": ["gold"]},
                    "User": {"UserId": "user-1", "UserAttributes": {"FirstName": ["Ana"]}},
                },
                {
                    "Id": "sms-1",
                    "ChannelType": "SMS",
                    "Address": "+14255550123",
                    "User": {"UserId": "user-1"},
                },
            ]
        },
    )
    assert accepted["ResponseMetadata"]["HTTPStatusCode"] == 202

    endpoint = pinpoint.get_endpoint(ApplicationId=app, EndpointId="mail-1")["EndpointResponse"]
    assert (endpoint["Id"], endpoint["ApplicationId"], endpoint["ChannelType"]) == ("mail-1", app, "EMAIL")
    assert endpoint["Address"] == "success@simulator.amazonses.com"
    assert endpoint["Attributes"] == {"Plan": ["gold"]}
    assert endpoint["User"] == {"UserId": "user-1", "UserAttributes": {"FirstName": ["Ana"]}}
    assert endpoint["EndpointStatus"] == "ACTIVE"

    found = pinpoint.get_user_endpoints(ApplicationId=app, UserId="user-1")["EndpointsResponse"]["Item"]
    assert sorted((e["Id"], e["ChannelType"]) for e in found) == [("mail-1", "EMAIL"), ("sms-1", "SMS")]

    pinpoint.delete_endpoint(ApplicationId=app, EndpointId="sms-1")
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_endpoint(ApplicationId=app, EndpointId="sms-1")


CSV = (
    "Id,ChannelType,Address,User.UserId,User.UserAttributes.FirstName,Attributes.Plan\n"
    "imp-1,EMAIL,success+imp1@simulator.amazonses.com,imp-user-1,Ana,gold\n"
    "imp-2,EMAIL,success+imp2@simulator.amazonses.com,imp-user-1,Ana,silver\n"
    "imp-3,EMAIL,success+imp3@simulator.amazonses.com,imp-user-2,Ben,gold\n"
)


def test_a_csv_file_dropped_in_the_import_bucket_becomes_endpoints(target, pinpoint, app):
    s3, bucket = target.client("s3"), target.output("ImportBucketName")
    key = f"imports/{app}/cloud-{uuid.uuid4().hex[:8]}.csv"

    def ours():
        jobs = pinpoint.get_import_jobs(ApplicationId=app)["ImportJobsResponse"]["Item"]
        return [j for j in jobs if j["Definition"].get("S3Url", "").endswith(f"/{key}")]

    def finished():
        return next((j for j in ours() if j["JobStatus"] in ("COMPLETED", "FAILED")), None)

    s3.put_object(Bucket=bucket, Key=key, Body=CSV.encode())
    try:
        job = target.eventually(finished, f"the import job of s3://{bucket}/{key} finishing", state=ours)
        assert job["JobStatus"] == "COMPLETED", job
        assert (job["TotalProcessed"], job["TotalFailures"]) == (3, 0), job

        answer = pinpoint.get_user_endpoints(ApplicationId=app, UserId="imp-user-1")
        found = answer["EndpointsResponse"]["Item"]
        assert sorted((e["Id"], e["Attributes"]["Plan"][0]) for e in found) == [
            ("imp-1", "gold"),
            ("imp-2", "silver"),
        ]
        ben = pinpoint.get_endpoint(ApplicationId=app, EndpointId="imp-3")["EndpointResponse"]
        assert ben["User"]["UserAttributes"]["FirstName"] == ["Ben"]
    finally:
        remove_objects(s3, bucket, key)
