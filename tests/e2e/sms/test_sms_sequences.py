"""A campaign's texts on the local stack, reported in AWS's sequences by the SMS emulator: abroad the
carrier's final TEXT_SUCCESSFUL only, at home (NANP) its acceptance then the handset's final
TEXT_DELIVERED. Either way the text is delivered, once: one `_SMS.SUCCESS` per text on the event
stream, which the campaign report counts as delivered."""

from __future__ import annotations

import time

import pytest

from engage_cli.lake.report import SMS_DELIVERY
from engage_local.api import wait_until
from tests.e2e.lake.test_lake import query
from tests.support.streams import stream_records

pytestmark = pytest.mark.e2e
ABROAD = "+33755512501"  # AWS's French success simulator number: no handset receipts there


def test_a_campaigns_text_is_delivered_once_whichever_sequence_its_carrier_reports(campaigning):
    c = campaigning
    c.contacts.upsert(
        c.app, "abroad", {"ChannelType": "SMS", "Address": ABROAD, "Attributes": {"Plan": ["gold"]}}
    )
    c.people(["at-home"], Attributes={"Plan": ["gold"]})  # a +1 number
    campaign = c.campaign(
        SegmentId=c.segment()["Id"], MessageConfiguration={"SMSMessage": {"Body": "Spring offers inside"}}
    )
    texts = c.all_texts(campaign["Id"], 2)
    assert sorted(t["request"]["DestinationPhoneNumber"] for t in texts) == sorted(
        [ABROAD, c.number("at-home")]
    )

    def outcomes() -> list[tuple[str, str, str]]:
        return sorted(
            (r["client"]["client_id"], r["event_type"], r["attributes"].get("record_status", ""))
            for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
            if r["attributes"].get("campaign_id") == campaign["Id"]
            and r["event_type"] in ("_SMS.SUCCESS", "_SMS.FAILURE")
        )

    assert wait_until(lambda: len(outcomes()) >= 2, 90, 0.5), outcomes()
    time.sleep(2)  # and nothing more arrives
    assert outcomes() == [
        ("abroad", "_SMS.SUCCESS", "SUCCESSFUL"),  # the final TEXT_SUCCESSFUL: delivered
        ("at-home", "_SMS.SUCCESS", "DELIVERED"),  # the acceptance is not a second event
    ]

    def reported() -> list[dict]:
        rows = query(c, SMS_DELIVERY.format(where=f"AND application_id = '{c.app}'"))
        return [r for r in rows if r["campaign_id"] == campaign["Id"]]

    # The campaign report (its own query, through the lake's views) counts both texts as delivered.
    assert wait_until(
        lambda: [(r["sent"], r["delivered"], r["failed"]) for r in reported()] == [(2, 2, 0)], 30, 1.0
    ), reported()
