"""The local stack's clock, driven from the outside (`engage local clock`): schedules fire at their
minute as the clock passes it, and what they start reads the same clock, so a test crosses days
and a daylight-saving change in seconds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.support.cli import engage

pytestmark = pytest.mark.e2e
# The United States move their clocks forward at 02:00 on Sunday 14 March 2027; the United
# Kingdom on 28 March. Saturday noon UTC is 07:00 in New York (EST, UTC-5) and noon in London.
SATURDAY_NOON = datetime(2027, 3, 13, 12, 0, tzinfo=UTC)


def clock(local_stack, *args: str, timeout: float = 300) -> dict:
    done = engage("local", "clock", *args, "--json", state_dir=local_stack.state_dir, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_clock_is_set_shown_and_reset_for_every_part_of_the_stack(local_stack):
    shown = clock(local_stack, "set", "2027-01-01T00:00:00Z")
    assert shown["now"].startswith("2027-01-01T00:00"), shown
    assert clock(local_stack, "show")["now"].startswith("2027-01-01T00:0")
    assert local_stack.emulated.clock.now().year == 2027, "the emulators tell the same time"
    assert datetime.fromisoformat(clock(local_stack, "reset")["now"]).year == datetime.now(UTC).year


def test_a_local_time_campaign_fires_at_nine_in_each_zone_across_a_dst_change(local_stack, campaigning):
    c = campaigning
    clock(local_stack, "set", SATURDAY_NOON.isoformat())
    c.people(["ny"], Demographic={"Timezone": "America/New_York"}, Attributes={"Plan": ["gold"]})
    c.people(["london"], Demographic={"Timezone": "Europe/London"}, Attributes={"Plan": ["gold"]})
    who = {c.number("ny"): "ny", c.number("london"): "london"}
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={"SMSMessage": {"Body": "Good morning"}},
        Schedule={
            "StartTime": "2027-03-13T09:00:00Z",  # 09:00 on each recipient's own clock
            "IsLocalTime": True,
            "Frequency": "DAILY",
            "EndTime": "2027-03-15T00:00:00Z",  # the last day is Sunday
            "Timezone": "UTC",
        },
    )
    assert c.texts(campaign["Id"]) == [], "nothing before its time"

    advanced = clock(local_stack, "advance", "2d")
    assert datetime.fromisoformat(advanced["now"]) >= datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
    assert advanced["unsettled"] == []
    sent = sorted(
        (who[e["request"]["DestinationPhoneNumber"]], datetime.fromisoformat(e["time"]).strftime("%a %H:%MZ"))
        for e in c.texts(campaign["Id"])
    )
    assert sent == [
        ("london", "Sun 09:00Z"),  # GMT all along (Saturday's 09:00 had passed when it was created)
        ("ny", "Sat 14:00Z"),  # 09:00 EST
        ("ny", "Sun 13:00Z"),  # 09:00 EDT: the clocks moved at 07:00Z
    ]
    runs = c.pinpoint.get_campaign_activities(ApplicationId=c.app, CampaignId=campaign["Id"])
    assert len(runs["ActivitiesResponse"]["Item"]) == 3, "a firing at nobody's nine o'clock records no run"
