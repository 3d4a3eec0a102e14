"""The campaign workflow resolving a run's audience in parts on the local stack: its ResolveAudience
Map runs one invocation per part (a parallel Scan's segment of the contact table) and the run still
sends to every member once; a part that cannot be resolved fails the run, which sends to nobody."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.e2e


@contextlib.contextmanager
def audience_parts_of(c, items: int) -> Iterator[None]:
    """The campaign start function planning a part per `items` items of the contact table."""
    functions = c.stack.client("lambda")
    (name,) = [
        f["FunctionName"]
        for f in functions.list_functions()["Functions"]
        if "CampaignStartFunction" in f["FunctionName"]
    ]
    variables = functions.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    # As Lambda answers them: strings, the template's numbers too (CloudFormation's "4", not 4).
    assert all(isinstance(v, str) for v in variables.values()), variables
    functions.update_function_configuration(
        FunctionName=name,
        Environment={"Variables": {**variables, "CAMPAIGN_AUDIENCE_PART_ITEMS": str(items)}},
    )
    try:
        yield
    finally:
        functions.update_function_configuration(FunctionName=name, Environment={"Variables": variables})


def test_a_run_whose_audience_is_resolved_in_parts_sends_to_every_member_once(campaigning):
    c = campaigning
    for i in range(30):
        c.people([f"m-{i}"], Attributes={"Plan": ["gold"]})
    with audience_parts_of(c, items=5):
        campaign = c.campaign(
            SegmentId=c.segment()["Id"],
            MessageConfiguration={"SMSMessage": {"Body": "Hi", "MessageType": "PROMOTIONAL"}},
        )
        run_id = c.started(campaign)
        kind, summary = c.notified(run_id)
    assert kind == "success" and summary["TotalEndpointCount"] == 30 and summary["Counts"]["Queued"] == 30
    sent = c.all_texts(campaign["Id"], 30)
    assert len({e["request"]["DestinationPhoneNumber"] for e in sent}) == len(sent) == 30
    s3 = c.stack.client("s3")
    summaries = [  # one per part of the audience, in the work bucket
        o["Key"]
        for bucket in s3.list_buckets()["Buckets"]
        for o in s3.list_objects_v2(Bucket=bucket["Name"], Prefix=f"campaign-work/{run_id}/audience/").get(
            "Contents", []
        )
    ]
    assert len(summaries) > 1  # the table's items made several parts


def test_a_part_that_cannot_be_resolved_fails_the_run_with_its_error_and_sends_nothing(campaigning):
    from engage.adapters.dynamodb.segments import DynamoSegmentStore

    from engage_local.api import wait_until

    c = campaigning
    for i in range(12):
        c.people([f"f-{i}"], Attributes={"Plan": ["gold"]})
    segment = c.segment()
    campaign = c.campaign(  # a later campaign: nothing starts it but the run below
        SegmentId=segment["Id"],
        MessageConfiguration={"SMSMessage": {"Body": "Hi", "MessageType": "PROMOTIONAL"}},
        Schedule={"StartTime": "2099-01-01T00:00:00Z", "Frequency": "ONCE"},
    )
    # Gone from under the campaign (DeleteSegment refuses while a campaign sends to it).
    segments = DynamoSegmentStore(c.outputs["SegmentsTableName"], c.stack.client("dynamodb"))
    segments.delete(c.app, segment["Id"])
    with audience_parts_of(c, items=5):
        run_id = c.start(campaign["Id"])
        assert wait_until(lambda: c.inbox.about(lambda body: body.get("run_id") == run_id), 60, 0.2)
    ((kind, state),) = c.inbox.about(lambda body: body.get("run_id") == run_id)
    assert kind == "failure" and state["error"]["Error"] == "AudiencePartFailed"
    assert "NotFoundError" in state["error"]["Cause"]  # the part's own error, as the cause
    assert state["planned"]["plan"]["parts"] > 1 and "selected" not in state  # no run was recorded
    workflow = c.stack.client("stepfunctions")
    arn = c.outputs["CampaignWorkflowArn"].replace(":stateMachine:", ":execution:") + f":{run_id}"
    assert wait_until(lambda: workflow.describe_execution(executionArn=arn)["status"] != "RUNNING", 30, 0.2)
    assert workflow.describe_execution(executionArn=arn)["status"] == "FAILED"
    assert c.texts(campaign["Id"]) == []
