"""The console's journeys page in a real browser on the local stack: a FullAccess user activates a
draft journey (confirmed), and after the clock has moved past its wait reads its canvas, each
activity's figures equal to GetJourneyExecutionActivityMetrics and the journey's to
GetJourneyExecutionMetrics, then pauses, resumes and cancels it; axe-core finds no violation on the
page or its dialog, and screenshots go to build/console-screenshots/."""

from __future__ import annotations

import pytest

from tests.support.console import admin_get
from tests.support.console_pages import go, looked_at, sign_in

pytestmark = pytest.mark.e2e


def _journey_state(page, name):
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
    return row.get_by_test_id("journey-state")


def _confirm(page, verb, name):
    page.get_by_role("button", name=f"{verb} {name}").click()
    page.get_by_role("dialog").wait_for()


def test_a_journey_is_activated_drawn_with_the_apis_figures_paused_resumed_and_cancelled(
    local_stack, page, journeying
):
    j = journeying
    j.email("kit-mail", "kit.canvas@example.com", user="kit")
    j.phone("kit-phone", user="kit")
    j.email("lou-mail", "lou.canvas@example.com")
    request = {
        "Name": "Canvas welcome",
        "StartActivity": "welcomeEmail",
        "Activities": j.activities(wait="PT2H"),
        "StartCondition": {"SegmentStartCondition": {"SegmentId": j.segment()}},
        "Schedule": j.schedule(),
        "RefreshFrequency": "PT1H",  # ACTIVE until its end: a journey without one closes after its entry
    }
    journey = j.create(request)
    sign_in(page, local_stack, "FullAccess")
    go(page, local_stack, f"journeys/{j.app}", "Journeys")
    _journey_state(page, "Canvas welcome").get_by_text("DRAFT").wait_for()

    _confirm(page, "Activate", "Canvas welcome")
    looked_at(page, "journeys-confirm")
    page.get_by_test_id("confirm-action").click()
    _journey_state(page, "Canvas welcome").get_by_text("ACTIVE").wait_for()
    j.sent(journey["Id"], emails=2, texts=0)
    j.advance(2 * 3600 + 120)  # past the wait: kit's text goes out, lou has no phone
    j.sent(journey["Id"], emails=2, texts=1)

    page.get_by_role("button", name="Canvas of Canvas welcome").click()
    canvas = page.get_by_test_id("journey-canvas")
    canvas.get_by_test_id("activity-reminderSms").wait_for()
    drawn = admin_get(local_stack, f"/v1/apps/{j.app}/journey-canvases/{journey['Id']}")
    assert [[n["ActivityId"] for n in column] for column in drawn["Columns"]] == [
        ["welcomeEmail"],
        ["wait1"],
        ["reminderSms"],
    ]
    for column in drawn["Columns"]:
        for node in column:
            card = canvas.get_by_test_id(f"activity-{node['ActivityId']}")
            api = j.metrics(journey["Id"], node["ActivityId"])
            assert node["Entered"] == api.get("TOTAL", 0) and node["Waiting"] == api.get("WAITING", 0)
            for figure in ("Entered", "Waiting", "MovedOn", "Sent"):
                assert card.get_by_test_id(f"figure-{figure}").inner_text() == str(node[figure]), figure
    assert drawn["Columns"][0][0]["Sent"] == 2 and drawn["Columns"][2][0]["Sent"] == 1
    for name, value in j.metrics(journey["Id"]).items():
        assert canvas.get_by_test_id(f"journey-metric-{name}").inner_text() == str(value), name
    looked_at(page, "journeys-canvas")

    page.get_by_role("button", name="Refresh journeys").click()
    _journey_state(page, "Canvas welcome").get_by_text("ACTIVE").wait_for()
    _confirm(page, "Pause", "Canvas welcome")
    page.get_by_test_id("confirm-action").click()
    _journey_state(page, "Canvas welcome").get_by_text("PAUSED").wait_for()
    _confirm(page, "Resume", "Canvas welcome")
    page.get_by_test_id("confirm-action").click()
    _journey_state(page, "Canvas welcome").get_by_text("ACTIVE").wait_for()
    _confirm(page, "Cancel", "Canvas welcome")
    page.get_by_role("dialog").get_by_label('To confirm, type "Canvas welcome"').fill("Canvas welcome")
    page.get_by_test_id("confirm-action").click()
    _journey_state(page, "Canvas welcome").get_by_text("CANCELLED").wait_for()
    stored = j.pinpoint.get_journey(ApplicationId=j.app, JourneyId=journey["Id"])["JourneyResponse"]
    assert stored["State"] == "CANCELLED"
