"""A campaign run's decisions per endpoint (engage.campaigns.run): holdout, treatments, quiet time
in the recipient's zone, content per channel, per-endpoint caps."""

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from engage.campaigns.model import new_campaign
from engage.campaigns.run import in_quiet_time, plan, recipient_zone

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


def test_quiet_time_is_read_in_the_recipients_zone_when_the_schedule_is_local():
    schedule = {
        "StartTime": "IMMEDIATE",
        "IsLocalTime": True,
        "Timezone": "UTC",
        "QuietTime": {"Start": "22:00", "End": "08:00"},
    }
    endpoints = [
        ep("tokyo", Demographic={"Timezone": "Asia/Tokyo"}),  # 21:00 there: not quiet
        ep("sydney", Attributes={"PNV_Timezone": ["Australia/Sydney"]}),  # 23:00 there: quiet
        ep("nowhere"),  # the campaign's zone, UTC: noon
    ]
    decisions = {
        d.endpoint_id: d for d in plan(campaign(Schedule=schedule), "r", endpoints, NOON_UTC, MemoryCaps())
    }
    assert decisions["tokyo"].request is not None and decisions["nowhere"].request is not None
    assert decisions["sydney"].skip == "QUIET_TIME"


@pytest.mark.parametrize(
    ("local", "quiet", "expected"),
    [
        ("23:30", ("22:00", "08:00"), True),
        ("07:59", ("22:00", "08:00"), True),
        ("08:00", ("22:00", "08:00"), False),
        ("13:00", ("12:00", "14:00"), True),
        ("14:00", ("12:00", "14:00"), False),
    ],
)
def test_quiet_time_spans_midnight_and_ends_exclusive(local, quiet, expected):
    hours, minutes = map(int, local.split(":"))
    now = datetime(2026, 11, 25, hours, minutes, tzinfo=UTC)
    assert in_quiet_time(now, ZoneInfo("UTC"), {"Start": quiet[0], "End": quiet[1]}) is expected


def test_an_unknown_zone_falls_back_to_the_campaigns_and_then_to_utc():
    schedule = {"IsLocalTime": True, "Timezone": "Europe/Paris"}
    assert str(recipient_zone({"Demographic": {"Timezone": "Mars/Olympus"}}, schedule)) == "Europe/Paris"
    assert str(recipient_zone({}, {})) == "UTC"


def test_per_endpoint_caps_hold_across_runs():
    caps, chosen = MemoryCaps(), campaign(Limits={"Daily": 1, "Total": 2})
    first = plan(chosen, "run-1", [ep("a")], NOON_UTC, caps)
    again_today = plan(chosen, "run-2", [ep("a")], NOON_UTC, caps)
    tomorrow = plan(chosen, "run-3", [ep("a")], datetime(2026, 11, 26, 12, tzinfo=UTC), caps)
    later = plan(chosen, "run-4", [ep("a")], datetime(2026, 11, 27, 12, tzinfo=UTC), caps)
    assert [d.skip for d in (*first, *again_today, *tomorrow, *later)] == [
        None,
        "ENDPOINT_CAP",
        None,
        "ENDPOINT_CAP",
    ]


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
