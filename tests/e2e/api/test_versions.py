"""Versions and a segment's job lists through a real boto3 pinpoint client on the local stack:
GetSegmentVersion(s), GetCampaignVersion(s), GetSegmentImportJobs and GetSegmentExportJobs, each on
resources made earlier in the walk, with the members botocore marks required (ARNs with the
application's region and account, a campaign's SegmentVersion)."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e
ROLE = "arn:aws:iam::123456789012:role/imports"


def finished(get):
    for _ in range(300):
        job = get()
        if job["JobStatus"] in ("COMPLETED", "FAILED"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job not finished: {job}")


def test_versions_and_a_segments_jobs_are_kept_and_listed(local_stack, pinpoint, new_app):
    app = new_app("versions")
    app_arn = pinpoint.get_app(ApplicationId=app)["ApplicationResponse"]["Arn"]
    gold = {"Attributes": {"Plan": {"AttributeType": "INCLUSIVE", "Values": ["gold"]}}}
    segment = pinpoint.create_segment(
        ApplicationId=app, WriteSegmentRequest={"Name": "gold", "Dimensions": gold}
    )["SegmentResponse"]
    assert segment["Arn"] == f"{app_arn}/segments/{segment['Id']}" and ":mobiletargeting:" in app_arn
    for name in ("gold members", "gold members, renamed"):
        pinpoint.update_segment(
            ApplicationId=app, SegmentId=segment["Id"], WriteSegmentRequest={"Name": name, "Dimensions": gold}
        )
    versions = pinpoint.get_segment_versions(ApplicationId=app, SegmentId=segment["Id"])["SegmentsResponse"][
        "Item"
    ]
    assert [(v["Version"], v["Name"]) for v in versions][:3] == [
        (1, "gold"),
        (2, "gold members"),
        (3, "gold members, renamed"),
    ]
    second = pinpoint.get_segment_version(ApplicationId=app, SegmentId=segment["Id"], Version="2")
    assert second["SegmentResponse"]["Name"] == "gold members"
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_segment_version(ApplicationId=app, SegmentId=segment["Id"], Version="9")
    renamed = pinpoint.update_segment(  # a partial update, as Pinpoint took one: the definition stays
        ApplicationId=app, SegmentId=segment["Id"], WriteSegmentRequest={"Name": "gold, a fourth name"}
    )["SegmentResponse"]
    assert (renamed["Version"], renamed["Dimensions"]) == (4, gold)

    campaign = pinpoint.create_campaign(
        ApplicationId=app,
        WriteCampaignRequest={
            "Name": "spring",
            "SegmentId": segment["Id"],
            "Schedule": {"StartTime": "2027-06-01T10:00:00Z", "Frequency": "ONCE"},
            "MessageConfiguration": {"SMSMessage": {"Body": "Spring sale", "MessageType": "PROMOTIONAL"}},
        },
    )["CampaignResponse"]
    assert campaign["SegmentVersion"] == 4  # the segment's version when none is named
    assert campaign["Arn"] == f"{app_arn}/campaigns/{campaign['Id']}"
    pinpoint.update_campaign(
        ApplicationId=app,
        CampaignId=campaign["Id"],
        WriteCampaignRequest={
            **{k: campaign[k] for k in ("Name", "SegmentId", "Schedule", "MessageConfiguration")},
            "Description": "now with a description",
        },
    )
    paused = pinpoint.update_campaign(  # only IsPaused: everything else stays
        ApplicationId=app, CampaignId=campaign["Id"], WriteCampaignRequest={"IsPaused": True}
    )["CampaignResponse"]
    assert (paused["IsPaused"], paused["State"]["CampaignStatus"], paused["Description"]) == (
        True,
        "PAUSED",
        "now with a description",
    )
    kept = pinpoint.get_campaign_versions(ApplicationId=app, CampaignId=campaign["Id"])["CampaignsResponse"][
        "Item"
    ]
    assert [(v["Version"], v.get("Description")) for v in kept] == [
        (1, None),
        (2, "now with a description"),
        (3, "now with a description"),
    ]
    first = pinpoint.get_campaign_version(ApplicationId=app, CampaignId=campaign["Id"], Version="1")
    assert first["CampaignResponse"]["Version"] == 1 and first["CampaignResponse"]["Arn"] == campaign["Arn"]

    bucket = local_stack.stacks["engage"].outputs["ImportBucketName"]
    local_stack.client("s3").put_object(
        Bucket=bucket, Key=f"crm/{app}.csv", Body=b"Id,ChannelType,Address\nv1,EMAIL,v1@example.com\n"
    )
    request = {
        "S3Url": f"s3://{bucket}/crm/{app}.csv",
        "Format": "CSV",
        "RoleArn": ROLE,
        "DefineSegment": True,
    }
    job = pinpoint.create_import_job(ApplicationId=app, ImportJobRequest=request)["ImportJobResponse"]
    done = finished(lambda: pinpoint.get_import_job(ApplicationId=app, JobId=job["Id"])["ImportJobResponse"])
    assert done["JobStatus"] == "COMPLETED"
    imported = pinpoint.get_segment_import_jobs(ApplicationId=app, SegmentId=job["Id"])["ImportJobsResponse"]
    assert [j["Id"] for j in imported["Item"]] == [job["Id"]]  # the import that defined it
    assert not pinpoint.get_segment_import_jobs(ApplicationId=app, SegmentId=segment["Id"])[
        "ImportJobsResponse"
    ]["Item"]
    export = pinpoint.create_export_job(
        ApplicationId=app,
        ExportJobRequest={
            "S3UrlPrefix": f"s3://{bucket}/exports/{app}/",
            "RoleArn": ROLE,
            "SegmentId": segment["Id"],
        },
    )["ExportJobResponse"]
    exports = pinpoint.get_segment_export_jobs(ApplicationId=app, SegmentId=segment["Id"])[
        "ExportJobsResponse"
    ]
    assert [j["Id"] for j in exports["Item"]] == [export["Id"]]
