"""A campaign run's decisions per endpoint (engage.campaigns.run): holdout, treatments, quiet time
in the endpoint's zone (engage.sending.quiet_time), content per channel, per-endpoint caps."""

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from engage.campaigns.model import new_campaign
from engage.campaigns.run import plan, recipient_zone
from engage.errors import ValidationError
from engage.sending.caps import caps_for
from engage.sending.quiet_time import endpoint_zone, in_quiet_time, quiet_time_ends

from tests.support.fakes import MemoryCaps

APP = "runapp"
NOON_UTC = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def campaign(**extra):
    request = {
        "Name": "c",
        "SegmentId": "s",
        "MessageConfiguration": {
            "SMSMessage": {
                "Body": "Hi {{User.UserAttributes.FirstName}}",
                "OriginationNumber": "+18005550100",
            },
            "EmailMessage": {"Title": "Subject", "HtmlBody": "<p>x</p>", "FromAddress": "news@example.com"},
        },
        "Schedule": {"StartTime": "IMMEDIATE"},
        **extra,
    }
    return new_campaign(APP, request, "camp-1")


def ep(endpoint_id, channel="SMS", **extra):
    return {"Id": endpoint_id, "ChannelType": channel, "Address": "+12065550100", **extra}


def test_each_endpoint_gets_its_channels_message_keyed_by_campaign_run_and_endpoint():
    decisions = plan(
        campaign(), "run-1", [ep("a"), ep("b", "EMAIL"), ep("c", "VOICE")], NOON_UTC, MemoryCaps()
    )
    a, b, c = decisions
    assert a.request.channel == "SMS" and a.request.message == {
        "Body": "Hi {{User.UserAttributes.FirstName}}",
        "OriginationNumber": "+18005550100",
    }
    assert (
        a.request.key == f"{APP}#camp-1#run-1#a"
        and a.request.treatment_id == "0"
        and not a.request.transactional
    )
    assert b.request.message == {
        "Subject": "Subject",
        "HtmlPart": "<p>x</p>",
        "FromAddress": "news@example.com",
    }
    assert c.request is None and c.skip == "NO_MESSAGE_FOR_CHANNEL"
    assert a.request.max_rate is None


def test_a_campaigns_messages_per_second_travels_with_each_send():
    (decision,) = plan(campaign(Limits={"MessagesPerSecond": 50}), "run-1", [ep("a")], NOON_UTC, MemoryCaps())
    assert decision.request.max_rate == 50


def test_holdout_and_treatments_split_the_segment():
    sms_b = {"SMSMessage": {"Body": "B"}}
    chosen = campaign(
        HoldoutPercent=20, AdditionalTreatments=[{"SizePercent": 30, "MessageConfiguration": sms_b}]
    )
    decisions = plan(chosen, "run-1", [ep(f"e{i}") for i in range(2000)], NOON_UTC, MemoryCaps())
    shares = Counter(d.skip or d.treatment_id for d in decisions)
    assert abs(shares["HOLDOUT"] - 400) < 60 and abs(shares["1"] - 600) < 70
    assert {d.request.message["Body"] for d in decisions if d.treatment_id == "1"} == {"B"}


def test_quiet_time_is_read_in_the_endpoints_own_zone_and_an_endpoint_without_one_is_never_quiet():
    schedule = {
        "StartTime": "IMMEDIATE",
        "Timezone": "UTC",
        "QuietTime": {"Start": "22:00", "End": "08:00"},
    }
    endpoints = [
        ep("tokyo", Demographic={"Timezone": "Asia/Tokyo"}),  # 21:00 there: not quiet
        ep("sydney", Demographic={"Timezone": "Australia/Sydney"}),  # 23:00 there: quiet
        ep("estimated", Attributes={"PNV_Timezone": ["Australia/Sydney"]}),  # no zone of its own
        ep("mars", Demographic={"Timezone": "Mars/Olympus"}),  # no valid zone
    ]
    decisions = {
        d.endpoint_id: d for d in plan(campaign(Schedule=schedule), "r", endpoints, NOON_UTC, MemoryCaps())
    }
    assert decisions["sydney"].skip == "QUIET_TIME"
    for sent in ("tokyo", "estimated", "mars"):  # Pinpoint: without a valid zone, no quiet time
        assert decisions[sent].request is not None
        assert decisions[sent].request.quiet_time == {"Start": "22:00", "End": "08:00"}  # checked again


def test_a_campaign_tagged_to_hold_queues_its_message_for_the_sender_to_hold():
    schedule = {"StartTime": "IMMEDIATE", "QuietTime": {"Start": "22:00", "End": "08:00"}}
    held = campaign(Schedule=schedule, tags={"engage:QuietTimeAction": "HOLD"})
    (d,) = plan(
        held, "r", [ep("sydney", Demographic={"Timezone": "Australia/Sydney"})], NOON_UTC, MemoryCaps()
    )
    assert d.skip is None and d.request.quiet_time_action == "HOLD"
    with pytest.raises(ValidationError, match="engage:QuietTimeAction"):
        campaign(tags={"engage:QuietTimeAction": "LATER"})


@pytest.mark.parametrize(
    ("local", "quiet", "expected"),
    [
        ("23:30", ("22:00", "08:00"), True),
        ("07:59", ("22:00", "08:00"), True),
        ("08:00", ("22:00", "08:00"), True),  # "earlier than or equal to End": the End minute is quiet
        ("08:01", ("22:00", "08:00"), False),
        ("21:59", ("22:00", "08:00"), False),
        ("13:00", ("12:00", "14:00"), True),
        ("14:01", ("12:00", "14:00"), False),
    ],
)
def test_quiet_time_spans_midnight_and_includes_its_start_and_end_minutes(local, quiet, expected):
    hours, minutes = map(int, local.split(":"))
    now = datetime(2026, 11, 25, hours, minutes, 30, tzinfo=UTC)
    assert in_quiet_time(now, ZoneInfo("UTC"), {"Start": quiet[0], "End": quiet[1]}) is expected


def test_quiet_time_ends_at_the_minute_after_end_on_the_local_clock_across_a_dst_change():
    new_york, quiet = ZoneInfo("America/New_York"), {"Start": "21:00", "End": "08:00"}
    # Saturday 13 March 2027, 23:00 in New York (EST): the clocks go forward at 02:00 that night.
    late = datetime(2027, 3, 14, 4, 0, tzinfo=UTC)
    assert quiet_time_ends(late, new_york, quiet) == datetime(2027, 3, 14, 12, 1, tzinfo=UTC)  # 08:01 EDT
    early = datetime(2027, 3, 13, 12, 30, tzinfo=UTC)  # 07:30 EST, the day before
    assert quiet_time_ends(early, new_york, quiet) == datetime(2027, 3, 13, 13, 1, tzinfo=UTC)  # 08:01 EST
    gap = {
        "Start": "01:00",
        "End": "02:10",
    }  # 02:11 does not exist that night: read as 02:11 EST, which is 03:11 EDT
    assert quiet_time_ends(datetime(2027, 3, 14, 6, 30, tzinfo=UTC), new_york, gap) == datetime(
        2027, 3, 14, 7, 11, tzinfo=UTC
    )


def test_an_unknown_zone_falls_back_to_the_campaigns_and_then_to_utc_for_local_schedules():
    schedule = {"IsLocalTime": True, "Timezone": "Europe/Paris"}
    assert str(recipient_zone({"Demographic": {"Timezone": "Mars/Olympus"}}, schedule)) == "Europe/Paris"
    assert str(recipient_zone({}, {})) == "UTC"
    assert endpoint_zone({"Demographic": {"Timezone": "Mars/Olympus"}}) is None


def test_per_endpoint_caps_are_read_at_planning_and_carried_to_the_sender():
    caps, chosen = MemoryCaps(), campaign(Limits={"Daily": 1, "Total": 2})

    def sent(run_id, at):
        (d,) = plan(chosen, run_id, [ep("a")], at, caps)
        if d.request is not None:  # what the sender counts as it sends
            wanted = caps_for(APP, "a", "camp-1", d.request.caps)
            assert caps.take(wanted, d.request.key, at.timestamp())
        return d.skip

    assert sent("run-1", NOON_UTC) is None
    assert sent("run-2", datetime(2026, 11, 25, 23, 0, tzinfo=UTC)) == "ENDPOINT_CAP"
    assert sent("run-3", datetime(2026, 11, 26, 1, 0, tzinfo=UTC)) == "ENDPOINT_CAP", (
        "24 hours, not the UTC day"
    )
    assert sent("run-4", datetime(2026, 11, 26, 12, 1, tzinfo=UTC)) is None
    assert sent("run-5", datetime(2026, 11, 28, 12, tzinfo=UTC)) == "ENDPOINT_CAP"  # two in all


def test_templates_win_and_a_custom_channel_takes_the_endpoint_types_it_lists():
    templated = campaign(TemplateConfiguration={"SMSTemplate": {"Name": "offer", "Version": "2"}})
    (d,) = plan(templated, "r", [ep("a")], NOON_UTC, MemoryCaps())
    assert d.request.message == {"TemplateName": "offer", "TemplateVersion": "2"}
    custom = campaign(
        CustomDeliveryConfiguration={"DeliveryUri": "engage-custom-crm", "EndpointTypes": ["CUSTOM"]}
    )
    crm, sms = plan(custom, "r", [ep("crm", "CUSTOM"), ep("s")], NOON_UTC, MemoryCaps())
    assert crm.request.channel == "CUSTOM" and crm.request.message["DeliveryUri"] == "engage-custom-crm"
    assert sms.skip == "NO_MESSAGE_FOR_CHANNEL"
