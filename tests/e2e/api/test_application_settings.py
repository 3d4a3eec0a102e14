"""Application settings change what campaigns do, as Pinpoint's did: a campaign without its own
MessagesPerSecond is paced at the application's, the application's daily cap holds across all of
its campaigns, and its quiet time holds for every campaign without one of its own."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.support.cli import engage

pytestmark = pytest.mark.e2e


def settings(c, **request) -> dict:
    return c.pinpoint.update_application_settings(
        ApplicationId=c.app, WriteApplicationSettingsRequest=request
    )["ApplicationSettingsResource"]


def texted(c, body, **request) -> tuple[dict, dict]:
    campaign = c.campaign(
        SegmentId=c.segment()["Id"], MessageConfiguration={"SMSMessage": {"Body": body}}, **request
    )
    kind, summary = c.notified(c.started(campaign))
    assert kind == "success", summary
    return campaign, summary["Counts"]


def test_a_campaign_without_its_own_rate_is_paced_at_the_applications(campaigning):
    c = campaigning
    settings(c, Limits={"MessagesPerSecond": 2})
    c.warm_the_sender()
    c.people([f"m-{i}" for i in range(8)], Attributes={"Plan": ["gold"]})
    campaign, counts = texted(c, "Paced by the application")
    assert counts["Queued"] == 8
    times = sorted(datetime.fromisoformat(t["time"]).timestamp() for t in c.all_texts(campaign["Id"], 8))
    # 8 at 2 a second (the identity allows 20, its bucket 2 at once): one every half second, 3.5 s
    # from the first to the last; unpaced, under half a second. The outbox notes a call when the
    # emulator answers it, which under load trails the paced start by up to a second or so.
    assert times[-1] - times[0] >= 3.5 - 1.5, [round(t - times[0], 2) for t in times]


def test_the_applications_daily_cap_holds_across_its_campaigns(campaigning):
    c = campaigning
    settings(c, Limits={"Daily": 1})
    c.people(["a", "b", "c"], Attributes={"Plan": ["gold"]})
    first, counts = texted(c, "First of the day")
    assert (counts["Queued"], counts["ENDPOINT_CAP"]) == (3, 0)
    assert len(c.all_texts(first["Id"], 3)) == 3  # counted as they went out
    second, counts = texted(c, "Second of the day")
    assert (counts["Queued"], counts["ENDPOINT_CAP"]) == (0, 3), "one message a day per person, whoever sends"
    assert c.texts(second["Id"]) == []


def test_the_applications_quiet_time_holds_for_campaigns_without_their_own(local_stack, campaigning):
    c = campaigning
    at_three = engage(
        "local", "clock", "set", "2027-01-05T03:00:00Z", "--json", state_dir=local_stack.state_dir
    )
    assert at_three.returncode == 0, at_three.stderr
    settings(c, QuietTime={"Start": "00:00", "End": "06:00"})
    c.people(["a", "b"], Attributes={"Plan": ["gold"]}, Demographic={"Timezone": "UTC"})
    quiet, counts = texted(c, "At three in the morning")
    assert (counts["Queued"], counts["QUIET_TIME"]) == (0, 2)
    own, counts = texted(
        c,
        "Its own quiet time",
        Schedule={"StartTime": "IMMEDIATE", "QuietTime": {"Start": "22:00", "End": "23:00"}},
    )
    assert counts["Queued"] == 2, "a campaign's own quiet time wins over the application's"
    assert len(c.all_texts(own["Id"], 2)) == 2 and c.texts(quiet["Id"]) == []
    shown = json.loads(engage("apps", "show", c.app, "--json", state_dir=local_stack.state_dir).stdout)
    assert shown["Settings"]["QuietTime"] == {"Start": "00:00", "End": "06:00"}
