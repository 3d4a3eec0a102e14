"""A segment created through the API and exported with an export job: the job completes and its
files in the stack's bucket hold exactly the segment's endpoints."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.cloud.target import remove_objects

pytestmark = pytest.mark.cloud
UNUSED_ROLE = "arn:aws:iam::123456789012:role/unused"  # accepted, as Pinpoint required it; not assumed


def test_a_segment_is_exported_to_the_stacks_bucket(target, pinpoint, app):
    pinpoint.update_endpoints_batch(
        ApplicationId=app,
        EndpointBatchRequest={
            "Item": [
                {
                    "Id": f"exp-{i}",
                    "ChannelType": "EMAIL",
                    "Address": f"success+exp{i}@simulator.amazonses.com",
                    "Attributes": {"Plan": [plan]},
                }
                for i, plan in enumerate(["gold", "silver", "gold"])
            ]
        },
    )
    segment = pinpoint.create_segment(
        ApplicationId=app,
        WriteSegmentRequest={
            "Name": "gold",
            "Dimensions": {"Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}},
        },
    )["SegmentResponse"]
    read = pinpoint.get_segment(ApplicationId=app, SegmentId=segment["Id"])["SegmentResponse"]
    assert (read["Name"], read["SegmentType"]) == ("gold", "DIMENSIONAL")

    s3, bucket = target.client("s3"), target.output("ImportBucketName")
    prefix = f"exports/cloud-tests/{app}/"
    try:
        job = pinpoint.create_export_job(
            ApplicationId=app,
            ExportJobRequest={
                "S3UrlPrefix": f"s3://{bucket}/{prefix}",
                "SegmentId": segment["Id"],
                "RoleArn": UNUSED_ROLE,
            },
        )["ExportJobResponse"]

        def current():
            return pinpoint.get_export_job(ApplicationId=app, JobId=job["Id"])["ExportJobResponse"]

        def finished():
            answer = current()
            return answer if answer["JobStatus"] in ("COMPLETED", "FAILED") else None

        done = target.eventually(finished, f"export job {job['Id']} finishing", state=current)
        assert (done["JobStatus"], done["TotalProcessed"]) == ("COMPLETED", 2), done

        exported = []
        for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            exported.extend(json.loads(line) for line in gzip.decompress(body).decode().splitlines() if line)
        assert sorted(e["Id"] for e in exported) == ["exp-0", "exp-2"]
        assert {e["Attributes"]["Plan"][0] for e in exported} == {"gold"}
    finally:
        remove_objects(s3, bucket, prefix)
