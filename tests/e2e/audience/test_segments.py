"""Segments and export jobs on the local stack, driven from the outside: a known contact store,
segments of every dimension type created and estimated with the `engage` command, an imported
segment, and a segment exported to S3 and imported again unchanged."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest
from engage.adapters.dynamodb.contacts import DynamoEndpointRepository
from engage.adapters.dynamodb.jobs import DynamoJobStore
from engage.adapters.dynamodb.segments import DynamoSegmentStore
from engage.adapters.s3.objects import ObjectStore, S3MemberLists
from engage.contacts import ContactStore
from engage.segments.service import Segments

from tests.e2e.audience.test_imports import _sample, drop
from tests.e2e.conftest import invoke
from tests.support.apps import named_app
from tests.support.cli import engage

SEG_E2E_COPY_APP = named_app("seg-e2e-copy")

pytestmark = pytest.mark.e2e
APP = named_app("segments")
STORE = {
    "a1": {
        "ChannelType": "EMAIL",
        "Address": "a1@example.com",
        "Attributes": {"Interests": ["golf", "tennis"], "SignedUp": ["2026-03-01T10:00:00Z"]},
        "Metrics": {"orders": 3},
        "User": {"UserId": "u1", "UserAttributes": {"Plan": ["pro"]}},
        "Location": {"Country": "US"},
        "Demographic": {"Platform": "ios", "AppVersion": "2.1"},
    },
    "a2": {
        "ChannelType": "SMS",
        "Address": "+12065550180",
        "Attributes": {"Interests": ["chess"]},
        "Metrics": {"orders": 0},
        "User": {"UserId": "u2", "UserAttributes": {"Plan": ["free"]}},
        "Location": {"Country": "GB"},
    },
    "a3": {"ChannelType": "VOICE", "Address": "+12065550181", "Location": {"Country": "US"}},
    "a4": {
        "ChannelType": "GCM",
        "Address": "device-token-a4",
        "Attributes": {"Interests": ["golf"]},
        "Metrics": {"orders": 10},
        "Demographic": {"Platform": "android"},
    },
    "a5": {
        "ChannelType": "EMAIL",
        "Address": "a5@example.com",
        "Attributes": {"Interests": ["tennis"], "SignedUp": ["2025-12-31"]},
        "User": {"UserId": "u5", "UserAttributes": {"Plan": ["pro"]}},
        "Location": {"Country": "CA"},
    },
}


def attribute(kind, *values):
    return {
        "Attributes": {
            "Interests" if kind in ("INCLUSIVE", "EXCLUSIVE", "CONTAINS") else "SignedUp": {
                "AttributeType": kind,
                "Values": list(values),
            }
        }
    }


CASES = {
    "attributes inclusive": ({"Dimensions": attribute("INCLUSIVE", "golf")}, {"a1", "a4"}),
    "attributes exclusive": ({"Dimensions": attribute("EXCLUSIVE", "golf")}, {"a2", "a3", "a5"}),
    "attributes contains": ({"Dimensions": attribute("CONTAINS", "ten")}, {"a1", "a5"}),
    "attributes after": ({"Dimensions": attribute("AFTER", "2026-01-01")}, {"a1"}),
    "attributes before": ({"Dimensions": attribute("BEFORE", "2026-01-01")}, {"a5"}),
    "attributes on": ({"Dimensions": attribute("ON", "2026-03-01")}, {"a1"}),
    "attributes between": ({"Dimensions": attribute("BETWEEN", "2026-02-01", "2026-04-01")}, {"a1"}),
    "user attributes": ({"Dimensions": {"UserAttributes": {"Plan": {"Values": ["pro"]}}}}, {"a1", "a5"}),
    "metrics": (
        {"Dimensions": {"Metrics": {"orders": {"ComparisonOperator": "GREATER_THAN_OR_EQUAL", "Value": 3}}}},
        {"a1", "a4"},
    ),
    "channel": ({"Dimensions": {"Demographic": {"Channel": {"Values": ["SMS", "VOICE"]}}}}, {"a2", "a3"}),
    "demographic exclusive": (
        {"Dimensions": {"Demographic": {"Platform": {"DimensionType": "EXCLUSIVE", "Values": ["ios"]}}}},
        {"a2", "a3", "a4", "a5"},
    ),
    "app version": ({"Dimensions": {"Demographic": {"AppVersion": {"Values": ["2.1"]}}}}, {"a1"}),
    "location country": ({"Dimensions": {"Location": {"Country": {"Values": ["US"]}}}}, {"a1", "a3"}),
    "groups all": (
        {
            "SegmentGroups": {
                "Include": "ALL",
                "Groups": [
                    {"Dimensions": [{"Location": {"Country": {"Values": ["US"]}}}]},
                    {"Dimensions": [{"Demographic": {"Channel": {"Values": ["EMAIL"]}}}]},
                ],
            }
        },
        {"a1"},
    ),
    "group any": (
        {
            "SegmentGroups": {
                "Groups": [
                    {
                        "Type": "ANY",
                        "Dimensions": [
                            {"Location": {"Country": {"Values": ["GB"]}}},
                            {"Location": {"Country": {"Values": ["CA"]}}},
                        ],
                    }
                ]
            }
        },
        {"a2", "a5"},
    ),
    "groups none": (
        {
            "SegmentGroups": {
                "Include": "NONE",
                "Groups": [{"Dimensions": [{"Demographic": {"Channel": {"Values": ["EMAIL"]}}}]}],
            }
        },
        {"a2", "a3", "a4"},
    ),
}


@pytest.fixture(scope="module")
def known(local_stack):
    outputs = local_stack.stacks["engage"].outputs
    dynamodb = local_stack.client("dynamodb")
    contacts = ContactStore(DynamoEndpointRepository(outputs["ContactsTableName"], dynamodb))
    for endpoint_id, request in STORE.items():
        contacts.upsert(APP, endpoint_id, request)
    return {
        "outputs": outputs,
        "contacts": contacts,
        "segments": Segments(
            DynamoSegmentStore(outputs["SegmentsTableName"], dynamodb),
            DynamoEndpointRepository(outputs["ContactsTableName"], dynamodb),
            S3MemberLists(ObjectStore(local_stack.client("s3"))),
        ),
        "jobs": DynamoJobStore(outputs["JobsTableName"], dynamodb),
        "bucket": outputs["ImportBucketName"],
    }


def cli(local_stack, *args):
    done = engage(*args, "--json", state_dir=local_stack.state_dir, timeout=120)
    return done.returncode, json.loads(done.stdout), done.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_dimension_type_selects_the_known_endpoints(known, case):
    definition, expected = CASES[case]
    segment = known["segments"].create(APP, {"Name": case, **definition})
    assert {e["Id"] for e in known["segments"].evaluate(APP, segment["Id"])} == expected
    estimate = known["segments"].estimate(APP, segment["Id"])
    assert (estimate["Size"], estimate["Exact"]) == (len(expected), True)


def test_the_engage_command_creates_lists_shows_and_estimates_segments(local_stack, known, tmp_path):
    request = tmp_path / "golfers.json"
    request.write_text(json.dumps({"Name": "golfers", "Dimensions": attribute("INCLUSIVE", "golf")}))
    code, created, err = cli(local_stack, "segments", "create", "--app", APP, "--file", str(request))
    assert code == 0, err
    code, listed, _ = cli(local_stack, "segments", "list", "--app", APP)
    assert code == 0 and created["Id"] in [s["Id"] for s in listed]
    code, shown, _ = cli(local_stack, "segments", "show", created["Id"], "--app", APP)
    assert code == 0 and shown == created
    code, estimate, _ = cli(local_stack, "segments", "estimate", created["Id"], "--app", APP)
    assert code == 0
    assert (estimate["Size"], estimate["ChannelCounts"], estimate["Exact"]) == (
        2,
        {"EMAIL": 1, "GCM": 1},
        True,
    )
    code, sampled, _ = cli(
        local_stack, "segments", "estimate", created["Id"], "--app", APP, "--sample-shards", "4"
    )
    assert code == 0 and sampled["Exact"] is False and sampled["ShardsRead"] == "4 of 8"
    code, missing, _ = cli(local_stack, "segments", "show", "no-such-segment", "--app", APP)
    assert code == 1 and missing["error"]["type"] == "NotFoundException"
    request.write_text(
        json.dumps({"Name": "bad", "Dimensions": {"Behavior": {"Recency": {"Duration": "DAY_3"}}}})
    )
    code, refused, _ = cli(local_stack, "segments", "create", "--app", APP, "--file", str(request))
    assert code == 1 and refused["error"]["type"] == "BadRequestException"
    assert "Dimensions.Behavior" in refused["error"]["message"]


def test_an_imported_segment_holds_the_files_endpoints_and_can_be_narrowed(local_stack, known):
    body = (
        b"Id,ChannelType,Address,Attributes.Interests\n"
        b"i1,SMS,+12065550190,golf\ni2,EMAIL,i2@example.com,chess\n"
    )
    job = drop(local_stack, known, APP, "members.csv", body)
    assert job["JobStatus"] == "COMPLETED"
    assert [e["Id"] for e in known["segments"].evaluate(APP, job["Id"])] == ["i1", "i2"]
    narrowed = known["segments"].create(
        APP,
        {
            "Name": "imported golfers",
            "SegmentGroups": {
                "Groups": [
                    {"SourceSegments": [{"Id": job["Id"]}], "Dimensions": [attribute("INCLUSIVE", "golf")]}
                ]
            },
        },
    )
    assert [e["Id"] for e in known["segments"].evaluate(APP, narrowed["Id"])] == ["i1"]  # not a1 or a4


def test_a_segment_exported_and_imported_again_is_unchanged(local_stack, known):
    pros = known["segments"].create(APP, {"Name": "pros", **CASES["user attributes"][0]})
    code, exported, err = cli(local_stack, "segments", "export", pros["Id"], "--app", APP)
    assert code == 0, err
    assert (exported["Type"], exported["JobStatus"], exported["TotalProcessed"]) == ("EXPORT", "COMPLETED", 2)
    s3 = local_stack.client("s3")
    prefix = f"exports/{APP}/{exported['Id']}/"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=known["bucket"], Prefix=prefix)["Contents"]]
    assert keys == [f"{prefix}part-00000.gz"]
    part = s3.get_object(Bucket=known["bucket"], Key=keys[0])["Body"].read()
    lines = [json.loads(line) for line in gzip.decompress(part).splitlines()]
    assert sorted(line["Id"] for line in lines) == ["a1", "a5"]
    assert all(line["ApplicationId"] == APP for line in lines)  # Pinpoint's export shape

    job = drop(local_stack, known, SEG_E2E_COPY_APP, "export-part-00000.gz", part)
    assert (job["JobStatus"], job["TotalProcessed"], job["TotalFailures"]) == ("COMPLETED", 2, 0)
    for original in lines:
        copy = known["contacts"].get(SEG_E2E_COPY_APP, original["Id"])
        assert _portable(copy) == _portable(original)


def test_an_export_of_an_unknown_segment_fails_with_the_reason(local_stack, known):
    code, refused, _ = cli(local_stack, "segments", "export", "no-such-segment", "--app", APP)
    assert code == 1 and refused["error"]["type"] == "NotFoundException"


def _portable(endpoint):
    """An endpoint without what belongs to the application it is in."""
    return {k: v for k, v in endpoint.items() if k not in ("ApplicationId", "CohortId", "CreationDate")}


def test_the_export_sample_event_runs_an_export_job(local_stack, known):
    """events/audience/segment_export/: the sample `sam local invoke` uses, through the deployed function."""
    channel = known["segments"].create(APP, {"Name": "phones", **CASES["channel"][0]})
    event = _sample(
        "audience/segment_export/export_job.json", WORK_BUCKET=known["bucket"], SEGMENT_ID=channel["Id"]
    )
    event["ApplicationId"], event["Definition"]["S3UrlPrefix"] = (
        APP,
        f"s3://{known['bucket']}/exports/sample/",
    )
    members = len(list(known["segments"].evaluate(APP, channel["Id"])))  # a2, a3 and any imported since
    done = invoke(local_stack, "Audience/SegmentExportFunction", event, stack="engage")
    assert done["error"] is None, done
    assert (
        done["payload"]["JobStatus"],
        done["payload"]["TotalProcessed"],
        done["payload"]["TotalPieces"],
    ) == (
        "COMPLETED",
        members,
        1,
    )
    assert known["jobs"].get(APP, event["Id"])["JobStatus"] == "COMPLETED"
    elsewhere = {
        **event,
        "Id": "sample-export-elsewhere",
        "Definition": {**event["Definition"], "S3UrlPrefix": "s3://not-ours/x/"},
    }
    refused = invoke(local_stack, "Audience/SegmentExportFunction", elsewhere, stack="engage")
    assert (
        refused["payload"]["JobStatus"] == "FAILED"
        and "RoleArn" in refused["payload"]["Failures"][0]  # no role to write another bucket as
    )


def test_behavior_recency_selects_the_endpoints_whose_events_came_within_the_duration(
    known, pinpoint, local_stack
):
    """PutEvents keeps each endpoint's last activity; Behavior.Recency judges it on the stack's clock."""
    from datetime import UTC, datetime

    local_stack.clock.set(datetime(2027, 3, 1, 12, 0, tzinfo=UTC))
    session = {"EventType": "_session.start", "Timestamp": "2027-03-01T11:00:00Z"}
    answer = pinpoint.put_events(
        ApplicationId=APP, EventsRequest={"BatchItem": {"a4": {"Endpoint": {}, "Events": {"s-1": session}}}}
    )
    assert answer["EventsResponse"]["Results"]["a4"]["EventsItemResponse"]["s-1"]["StatusCode"] == 202

    def members(duration, kind):
        recency = {"Recency": {"Duration": duration, "RecencyType": kind}}
        segment = pinpoint.create_segment(
            ApplicationId=APP,
            WriteSegmentRequest={"Name": f"{kind} {duration}", "Dimensions": {"Behavior": recency}},
        )["SegmentResponse"]
        assert segment["Dimensions"]["Behavior"] == recency
        return {e["Id"] for e in known["segments"].evaluate(APP, segment["Id"])}

    assert members("HR_24", "ACTIVE") == {"a4"}
    inactive = members("HR_24", "INACTIVE")  # never active counts as inactive
    assert "a4" not in inactive and inactive >= set(STORE) - {"a4"}
    local_stack.clock.set(datetime(2027, 3, 9, 12, 0, tzinfo=UTC))
    assert members("DAY_7", "ACTIVE") == set() and members("DAY_14", "ACTIVE") == {"a4"}


def test_an_export_to_the_callers_bucket_is_written_as_their_role_and_only_where_it_may(
    local_stack, pinpoint, known
):
    """As Pinpoint's exports: the parts go to a bucket of the caller's, written as the role the job
    names (tagged for the export function to assume); a prefix that role may not write fails the job
    with AWS's reason."""
    from engage_local.api import wait_until
    from tests.support.roles import tagged_role

    s3, bucket = local_stack.client("s3"), f"crm-exports-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    put = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/pinpoint/*"}
    role = tagged_role(local_stack, "engage:segment-export", [put], "segment-export")
    segment = pinpoint.create_segment(
        ApplicationId=APP,
        WriteSegmentRequest={"Name": "golfers", "Dimensions": attribute("INCLUSIVE", "golf")},
    )["SegmentResponse"]

    def export(prefix):
        request = {"S3UrlPrefix": f"s3://{bucket}/{prefix}", "SegmentId": segment["Id"], "RoleArn": role}
        job = pinpoint.create_export_job(ApplicationId=APP, ExportJobRequest=request)["ExportJobResponse"]

        def finished():
            answer = pinpoint.get_export_job(ApplicationId=APP, JobId=job["Id"])["ExportJobResponse"]
            return answer if answer["JobStatus"] in ("COMPLETED", "FAILED") else None

        assert wait_until(finished, 60, 0.3)
        return finished()

    golfers = {e["Id"] for e in known["segments"].evaluate(APP, segment["Id"])}  # a1, a4 and any imported
    done = export("pinpoint/weekly/")
    assert (done["JobStatus"], done["TotalProcessed"]) == ("COMPLETED", len(golfers)), done
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys and all(k.startswith(f"pinpoint/weekly/{done['Id']}/") for k in keys)
    lines = [
        json.loads(line)
        for key in keys
        for line in gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).splitlines()
    ]
    assert {e["Id"] for e in lines} == golfers >= {"a1", "a4"}
    refused = export("finance/")
    assert refused["JobStatus"] == "FAILED" and "AccessDenied" in refused["Failures"][0]
