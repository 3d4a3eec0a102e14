"""The campaign workflow resolving a run's audience in parts on the local stack: its ResolveAudience
Map runs one invocation per part (a parallel Scan's segment of the contact table) and the run still
sends to every member once."""

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
    configured = functions.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    variables = {k: str(v) for k, v in configured.items()}
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
