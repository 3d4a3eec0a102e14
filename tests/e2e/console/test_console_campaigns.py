"""The console's campaigns page in a real browser on the local stack: a FullAccess user creates an SMS
campaign with a holdout and an A/B treatment, reads its run's counts as the API gives them, pauses
and resumes it, and approves a chained run that waits on a person; axe-core finds no violation on the
page or its confirmation dialog, and screenshots go to build/console-screenshots/."""

from __future__ import annotations

import re

import pytest

from engage_local.api import wait_until
from tests.support.console import admin_get, signed_call
from tests.support.console_pages import go, looked_at, sign_in

pytestmark = pytest.mark.e2e
CHAIN_NUMBERS = ["+13125550141", "+13125550142", "+13125550143"]


def _activities(c, campaign_id):
    return c.pinpoint.get_campaign_activities(ApplicationId=c.app, CampaignId=campaign_id)[
        "ActivitiesResponse"
    ]["Item"]


def _campaign_row(page, name):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def test_a_campaign_is_created_run_paused_and_resumed_and_a_chained_run_approved_in_the_console(
    local_stack, page, campaigning
):
    c = campaigning
    c.people([f"fan-{n}" for n in range(6)], Attributes={"Plan": ["gold"]})
    gold = c.segment()
    sign_in(page, local_stack, "FullAccess")
    go(page, local_stack, f"campaigns/{c.app}", "Campaigns")

    page.get_by_label("Campaign name").fill("Spring sale")
    page.get_by_label("Segment", exact=True).first.click()  # the select, then its list
    page.get_by_role("option", name=re.compile("gold")).click()
    page.get_by_label("Message", exact=True).fill("Spring sale: 20% off")
    page.get_by_label("Treatment B message (optional)").fill("Spring sale: free delivery")
    page.get_by_label("Treatment B percent").fill("50")
    page.get_by_role("button", name="Create campaign").click()
    page.get_by_role("button", name="Runs of Spring sale").wait_for()

    (campaign,) = [
        x
        for x in c.pinpoint.get_campaigns(ApplicationId=c.app)["CampaignsResponse"]["Item"]
        if x["Name"] == "Spring sale"
    ]
    assert campaign["SegmentId"] == gold["Id"] and campaign["Schedule"]["StartTime"] == "IMMEDIATE"
    assert campaign["MessageConfiguration"]["SMSMessage"]["Body"] == "Spring sale: 20% off"
    (treatment,) = campaign["AdditionalTreatments"]
    assert treatment["SizePercent"] == 50
    assert treatment["MessageConfiguration"]["SMSMessage"]["Body"] == "Spring sale: free delivery"
    assert wait_until(
        lambda: (
            _activities(c, campaign["Id"])
            and all(a["State"] == "COMPLETED" for a in _activities(c, campaign["Id"]))
        ),
        90,
        0.5,
    )
    runs = _activities(c, campaign["Id"])
    assert sum(a["SuccessfulEndpointCount"] for a in runs) == 6 == len(c.all_texts(campaign["Id"], 6))

    # The runs as the page shows them: the API's counts, run by run.
    page.get_by_role("button", name="Runs of Spring sale").click()
    for run in runs:
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=run["Id"]))
        row.get_by_text("COMPLETED").first.wait_for()
        assert row.get_by_test_id("run-total").inner_text() == str(run["TotalEndpointCount"])
        assert row.get_by_test_id("run-queued").inner_text() == str(run["SuccessfulEndpointCount"])
    looked_at(page, "campaigns")

    # Paused and resumed, each confirmed first.
    _campaign_row(page, "Spring sale").get_by_role("button", name="Pause Spring sale").click()
    page.get_by_role("dialog").wait_for()
    looked_at(page, "campaigns-confirm")
    page.get_by_test_id("confirm-action").click()
    _campaign_row(page, "Spring sale").get_by_text("PAUSED").wait_for()

    def stored():
        return c.pinpoint.get_campaign(ApplicationId=c.app, CampaignId=campaign["Id"])["CampaignResponse"]

    def versions():
        found = c.pinpoint.get_campaign_versions(ApplicationId=c.app, CampaignId=campaign["Id"])
        return [(v["Version"], v.get("IsPaused"), v["State"]) for v in found["CampaignsResponse"]["Item"]]

    assert wait_until(lambda: stored().get("IsPaused") is True, 10, 0.5), versions()
    paused = stored()
    assert paused["State"]["CampaignStatus"] == "PAUSED" and paused["Version"] == campaign["Version"] + 1
    _campaign_row(page, "Spring sale").get_by_role("button", name="Resume Spring sale").click()
    page.get_by_test_id("confirm-action").click()
    _campaign_row(page, "Spring sale").get_by_role("button", name="Pause Spring sale").wait_for()
    assert wait_until(lambda: stored().get("IsPaused") is False, 10, 0.5), versions()

    # A chained run that asks for approval, approved on the page: the chain goes on and sends.
    name = f"chain-{c.app}"
    c.pinpoint.create_sms_template(TemplateName=name, SMSTemplateRequest={"Body": "Approved in the console"})
    rows = [f"ok-{n},SMS,{number}" for n, number in enumerate(CHAIN_NUMBERS)]
    c.drop(
        "console-approval.csv",
        ("Id,ChannelType,Address\n" + "\n".join(rows) + "\n").encode(),
        **{"sms-template": name, "approval": "manual"},
    )
    assert wait_until(lambda: len(c.approval_requests()) == 1, 120, 0.2)
    (asked,) = c.approval_requests()
    assert c.texts(asked["CampaignId"]) == []  # nothing goes out while the approval waits
    page.get_by_role("button", name="Refresh runs awaiting approval").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=asked["Id"]))
    row.get_by_text(asked["CampaignId"]).wait_for()
    listed = admin_get(c.stack, f"/v1/apps/{c.app}/campaign-runs?awaiting=approval")["Item"]
    assert [r["Id"] for r in listed] == [asked["Id"]] and listed[0]["AwaitingApproval"] is True
    unasked = signed_call(c.stack, "FullAccess", "GET", f"/v1/apps/{c.app}/campaign-runs")
    assert unasked.status_code == 400 and "awaiting" in unasked.json()["Message"], unasked.text
    looked_at(page, "campaigns-approval")
    row.get_by_role("button", name=f"Approve run {asked['Id']}").click()
    page.get_by_test_id("confirm-action").click()
    page.get_by_text(f"Approved run {asked['Id']}").wait_for()
    done = c.chain_notice("success", run_id=asked["Id"])
    assert done["ran"]["activity"]["Counts"]["Queued"] == 3
    assert len(c.all_texts(asked["CampaignId"], 3)) == 3
    page.get_by_role("button", name="Refresh runs awaiting approval").click()
    page.get_by_text("No run waits on approval").wait_for()


def test_an_email_campaign_from_a_template_on_a_recurring_schedule_is_created_in_the_console(
    local_stack, page, campaigning
):
    c = campaigning
    c.readers({"weekly-reader": "weekly.reader@example.com"})
    gold = c.segment()
    template = f"weekly-{c.app}"
    c.pinpoint.create_email_template(
        TemplateName=template,
        EmailTemplateRequest={"Subject": "This week", "HtmlPart": "<p>Hello {{Attributes.Plan}}</p>"},
    )
    sign_in(page, local_stack, "FullAccess")
    go(page, local_stack, f"campaigns/{c.app}", "Campaigns")

    page.get_by_label("Campaign name").fill("Weekly digest")
    page.get_by_label("Segment", exact=True).first.click()
    page.get_by_role("option", name=re.compile("gold")).click()
    page.get_by_role("radio", name="Email").check()
    page.get_by_role("radio", name="A template").check()
    page.get_by_label("Template", exact=True).first.click()
    page.get_by_role("option", name=template).click()
    page.get_by_role("radio", name="Recurring").check()
    page.get_by_label("Start time (UTC)").fill("2027-01-04T09:00:00Z")
    page.get_by_label("End time (UTC)").fill("2027-03-01T09:00:00Z")
    page.get_by_label("Frequency").first.click()
    page.get_by_role("option", name="WEEKLY").click()
    page.get_by_role("button", name="Create campaign").click()
    page.get_by_role("button", name="Runs of Weekly digest").wait_for()
    looked_at(page, "campaigns-email-recurring")

    (campaign,) = c.pinpoint.get_campaigns(ApplicationId=c.app)["CampaignsResponse"]["Item"]
    assert campaign["Name"] == "Weekly digest" and campaign["SegmentId"] == gold["Id"]
    assert campaign["TemplateConfiguration"] == {"EmailTemplate": {"Name": template}}
    assert "MessageConfiguration" not in campaign or not campaign["MessageConfiguration"]
    schedule = campaign["Schedule"]
    assert (schedule["Frequency"], schedule["StartTime"], schedule["EndTime"]) == (
        "WEEKLY",
        "2027-01-04T09:00:00.000Z",
        "2027-03-01T09:00:00.000Z",
    )
    assert campaign["State"]["CampaignStatus"] == "SCHEDULED"  # nothing has run: it starts in January
    _campaign_row(page, "Weekly digest").get_by_text("SCHEDULED").wait_for()

    # A form missing what the channel needs says so, field by field, and creates nothing.
    page.get_by_label("Campaign name").fill("Half written")
    page.get_by_role("radio", name="Written here").check()
    page.get_by_role("radio", name="Immediately").check()
    page.get_by_role("button", name="Create campaign").click()
    page.get_by_text("Enter the address it comes from").wait_for()
    page.get_by_text("Enter a subject.").wait_for()
    page.get_by_text("Enter the HTML body.").wait_for()
    assert len(c.pinpoint.get_campaigns(ApplicationId=c.app)["CampaignsResponse"]["Item"]) == 1
