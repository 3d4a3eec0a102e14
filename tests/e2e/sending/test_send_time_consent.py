"""Consent at the moment of sending, on the local stack and its drivable clock: a campaign's sends
wait in the send queue (the sender's event source mapping disabled, as a queue hours behind) while
the clock moves into quiet time; when they reach the sender they are skipped, or held until quiet
time ends in each endpoint's own zone, across a daylight-saving change. Caps are counted as each
message goes out, per rolling 24 hours and across an application's campaigns."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from engage.sending.text_context import unpack

from engage_local.api import wait_until
from engage_local.state import read_state
from tests.e2e.test_clock import clock
from tests.support.streams import stream_records

pytestmark = pytest.mark.e2e
QUIET = {"Start": "21:00", "End": "08:00"}
# Saturday 13 March 2027, 20:00 UTC: 15:00 in New York (EST), 20:00 in London (GMT). New York moves
# its clocks forward at 02:00 on Sunday 14 March (07:00 UTC); London stays on GMT until the 28th.
SATURDAY = datetime(2027, 3, 13, 20, 0, tzinfo=UTC)


@contextlib.contextmanager
def sender_stopped(local_stack):
    """The sender reads nothing from the send queue meanwhile (its event source mapping disabled)."""
    name = read_state(local_stack.state_dir).physical_id("Sending/SenderFunction", "engage")
    aws_lambda = local_stack.client("lambda")
    (mapping,) = aws_lambda.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    aws_lambda.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    try:
        yield
    finally:
        aws_lambda.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)


def sent_at(c, campaign) -> dict[str, str]:
    """Who got the campaign's text, and when (UTC, on the stack's clock)."""
    who = {c.number(i): i for i in ("ny", "london", "nowhere")}
    return {
        who[e["request"]["DestinationPhoneNumber"]]: datetime.fromisoformat(e["time"]).strftime("%a %H:%MZ")
        for e in c.texts(campaign["Id"])
    }


def campaign_sends(c, campaign) -> dict[str, str]:
    """Each endpoint's `_campaign.send` status for the campaign."""
    return {
        r["client"]["client_id"]: r["attributes"]["campaign_send_status"]
        for r in stream_records(c.stack.client("kinesis"), c.outputs["EventStreamName"])
        if r["event_type"] == "_campaign.send" and r["attributes"].get("campaign_id") == campaign["Id"]
    }


def test_sends_that_reach_the_sender_in_quiet_time_are_skipped_or_held_in_each_zone_across_dst(
    local_stack, campaigning
):
    c = campaigning
    clock(local_stack, "set", SATURDAY.isoformat())
    c.people(["ny"], Demographic={"Timezone": "America/New_York"}, Attributes={"Plan": ["gold"]})
    c.people(["london"], Demographic={"Timezone": "Europe/London"}, Attributes={"Plan": ["gold"]})
    c.people(["nowhere"], Attributes={"Plan": ["gold"]})  # no time zone: never in quiet time
    segment = c.segment()["Id"]
    schedule = {"StartTime": "IMMEDIATE", "QuietTime": QUIET}
    body = {"SMSMessage": {"Body": "Weekend offer"}}
    with sender_stopped(local_stack):
        skipping = c.campaign(SegmentId=segment, MessageConfiguration=body, Schedule=schedule)
        holding = c.campaign(
            SegmentId=segment,
            MessageConfiguration=body,
            Schedule=schedule,
            tags={"engage:QuietTimeAction": "HOLD"},
        )
        for campaign in (skipping, holding):
            kind, summary = c.notified(c.started(campaign))
            assert kind == "success" and summary["Counts"]["Queued"] == 3, "nobody is in quiet time yet"
        # 03:30 UTC: 22:30 in New York and 03:30 in London, both in quiet time, when the queue moves.
        clock(local_stack, "advance", "450m")
    assert c.all_texts(skipping["Id"], 1) and c.all_texts(holding["Id"], 1)
    assert sent_at(c, skipping) == {"nowhere": "Sun 03:30Z"}
    assert campaign_sends(c, skipping) == {"ny": "QUIET_TIME", "london": "QUIET_TIME", "nowhere": "SUCCESS"}
    assert sent_at(c, holding) == {"nowhere": "Sun 03:30Z"}, "the others are held, not sent"

    advanced = clock(local_stack, "advance", "9h")  # to 12:30 UTC
    assert advanced["unsettled"] == []
    assert sent_at(c, holding) == {
        "nowhere": "Sun 03:30Z",
        "london": "Sun 08:01Z",  # the minute after quiet time ends, 08:01 GMT
        "ny": "Sun 12:01Z",  # 08:01 EDT: the clocks went forward overnight (it would be 13:01 in EST)
    }
    assert campaign_sends(c, holding) == {"ny": "SUCCESS", "london": "SUCCESS", "nowhere": "SUCCESS"}
    assert len(c.texts(skipping["Id"])) == 1, "a skipped send stays skipped"
    for text in c.texts(holding["Id"]):
        assert unpack(text["request"]["Context"])["campaign_id"] == holding["Id"]


def test_a_daily_cap_counts_the_last_24_hours_across_midnight_utc(local_stack, campaigning):
    c = campaigning
    clock(local_stack, "set", "2027-01-05T22:00:00Z")
    c.people(["a", "b"], Attributes={"Plan": ["gold"]})
    segment = c.segment()["Id"]

    def run(body):
        campaign = c.campaign(
            SegmentId=segment, MessageConfiguration={"SMSMessage": {"Body": body}}, Limits={"Daily": 1}
        )
        kind, summary = c.notified(c.started(campaign))
        assert kind == "success", summary
        return campaign, summary["Counts"]

    late, counts = run("Tuesday 22:00")
    assert counts["Queued"] == 2 and len(c.all_texts(late["Id"], 2)) == 2
    # One campaign, a second run after midnight UTC but within 24 hours of the first: capped.
    clock(local_stack, "advance", "3h")  # Wednesday 01:00 UTC
    again = c.start(late["Id"])
    _kind, summary = c.notified(again)
    assert summary["Counts"]["ENDPOINT_CAP"] == 2 and summary["Counts"]["Queued"] == 0
    clock(local_stack, "advance", "1261m")  # Wednesday 22:01 UTC: 24 hours after the first sends
    later = c.start(late["Id"])
    _kind, summary = c.notified(later)
    assert summary["Counts"]["Queued"] == 2 and len(c.all_texts(late["Id"], 4)) == 4


def test_the_applications_daily_cap_is_counted_when_messages_go_out_across_two_campaigns(
    local_stack, campaigning
):
    """Two campaigns queued together, before either sends: the cap holds at the sender, where the
    messages are counted, not only when a run is planned."""
    c = campaigning
    clock(local_stack, "set", "2027-01-06T10:00:00Z")
    c.pinpoint.update_application_settings(
        ApplicationId=c.app, WriteApplicationSettingsRequest={"Limits": {"Daily": 1}}
    )
    c.people(["a", "b"], Attributes={"Plan": ["gold"]})
    segment = c.segment()["Id"]
    with sender_stopped(local_stack):
        campaigns = []
        for body in ("First campaign", "Second campaign"):
            campaign = c.campaign(SegmentId=segment, MessageConfiguration={"SMSMessage": {"Body": body}})
            _kind, summary = c.notified(c.started(campaign))
            assert summary["Counts"]["Queued"] == 2, "nothing was sent yet when both were planned"
            campaigns.append(campaign)
    first, second = campaigns

    def statuses() -> list[str]:
        return sorted([*campaign_sends(c, first).values(), *campaign_sends(c, second).values()])

    assert wait_until(lambda: len(statuses()) == 4, 60, 0.2), statuses()
    assert statuses() == ["ENDPOINT_CAP", "ENDPOINT_CAP", "SUCCESS", "SUCCESS"]
    sent = c.texts(first["Id"]) + c.texts(second["Id"])
    assert sorted(e["request"]["DestinationPhoneNumber"] for e in sent) == sorted(
        c.number(i) for i in ("a", "b")
    ), "one message per person, whichever campaign reached the sender first"
