"""The console's dashboards in a real browser on the local stack: an application's campaign email and
its transactional email and texts go out, the channels report back and the events reach the lake;
then a MaskedAccess user (an analyst: no addresses) reads the application's dashboard, the
campaign's, and a journey's over the default range and over chosen days, and every figure of every
chart's table is the KPI operation's answer for it (GetApplicationDateRangeKpi and
GetCampaignDateRangeKpi as the browser received them, each scope's answers checked against boto3's
pinpoint client's; GetJourneyDateRangeKpi through boto3). axe-core finds no violation; screenshots go
to build/console-screenshots/."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from engage_local.api import wait_until
from tests.support.console_pages import go, looked_at, sign_in

pytestmark = pytest.mark.e2e
TEXT_NUMBER = "+13125550161"


def _rows(answer):
    return _rows_of(next(v for k, v in answer.items() if k.endswith("DateRangeKpiResponse")))


def _rows_of(body):
    return {
        (r["GroupedBys"][0]["Value"] if r["GroupedBys"] else ""): float(r["Values"][0]["Value"])
        for r in body["KpiResult"]["Rows"]
    }


def _shown(value, kpi):
    """A figure as the page shows it: rates as percentages, the rest with en-US grouping."""
    if "rate" in kpi:
        return f"{value * 100:.1f}%"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


class PageAnswers:
    """The KPI answers the page received, as the browser got them from the API (one query of the
    lake each: asking the API again for every figure would double the test's queries)."""

    def __init__(self, page):
        self.found = {}
        page.on("response", self._keep)

    def _keep(self, response):
        url = urlparse(response.url)
        if "/kpis/daterange/" in url.path and response.request.method == "GET" and response.ok:
            start = parse_qs(url.query).get("start-time", ["default"])[0]
            self.found[(url.path, start)] = _rows_of(response.json())

    def of(self, owner, start="default"):
        """The answers for `owner` (`/v1/apps/<app>` or a campaign's path under it), by KPI name."""

        def answer(kpi):
            wanted = f"{owner}/kpis/daterange/{kpi}"
            (found,) = [
                rows for (path, at), rows in self.found.items() if path.endswith(wanted) and at == start
            ]
            return found

        return answer


def _check_charts(page, ask, least_charts, range_start="default"):
    """Every chart's table against the API: each figure shown is the answer's, none left out (once
    the chart has loaded its figures for the range starting at `range_start`)."""
    charts = page.locator("[data-testid^='chart-']")
    assert wait_until(lambda: charts.count() >= least_charts, 30, 0.5)
    for n in range(charts.count()):
        testid = charts.nth(n).get_attribute("data-testid")
        chart = page.locator(f"[data-testid='{testid}'][data-loaded='true'][data-range='{range_start}']")
        chart.wait_for(timeout=60_000)
        for kpi in chart.get_attribute("data-kpis").split():
            answered = ask(kpi)
            shown = chart.locator(f"[data-testid^='figure-{kpi}@']")
            texts = {
                shown.nth(i).get_attribute("data-testid").split("@", 1)[1]: shown.nth(i).inner_text()
                for i in range(shown.count())
            }
            figures = {group: text for group, text in texts.items() if text != "-"}
            assert figures == {group: _shown(value, kpi) for group, value in answered.items()}, kpi


def test_dashboards_show_the_kpi_operations_figures_for_an_application_a_campaign_and_a_journey(
    local_stack, page, campaigning, journeying, pinpoint
):
    c = campaigning
    c.readers(
        {
            "dash-open": "success+open@simulator.amazonses.com",
            "dash-bounce": "bounce@simulator.amazonses.com",
        }
    )
    campaign = c.email_campaign(Name="Dashboard offer")
    receipts = {
        "Addresses": {
            "success+click@simulator.amazonses.com": {"ChannelType": "EMAIL"},
            TEXT_NUMBER: {"ChannelType": "SMS"},
        },
        "MessageConfiguration": {
            "EmailMessage": {
                "FromAddress": "news@example.com",
                "SimpleEmail": {"Subject": {"Data": "Receipt"}, "TextPart": {"Data": "Thanks"}},
            },
            "SMSMessage": {"Body": "Your receipt", "MessageType": "TRANSACTIONAL"},
        },
    }
    pinpoint.send_messages(ApplicationId=c.app, MessageRequest=receipts)

    def of_app(kpi, **asked):
        return _rows(pinpoint.get_application_date_range_kpi(ApplicationId=c.app, KpiName=kpi, **asked))

    def of_campaign(kpi, **asked):
        return _rows(
            pinpoint.get_campaign_date_range_kpi(
                ApplicationId=c.app, CampaignId=campaign["Id"], KpiName=kpi, **asked
            )
        )

    expected = {  # the sends above, once the channels have reported back
        "attempted": 2.0,  # the campaign's two readers
        "campaign opens": 1.0,  # success+open
        "receipts": 2.0,  # the transactional email and text
        "receipt clicks": 1.0,  # success+click
        "texts delivered": 1.0,
    }

    def figures():
        return {
            "attempted": sum(of_campaign("attempted-deliveries-grouped-by-campaign-activity").values()),
            "campaign opens": sum(of_campaign("direct-email-opens-grouped-by-campaign-activity").values()),
            "receipts": sum(of_app("txn-emails-sent").values()) + sum(of_app("txn-sms-sent").values()),
            "receipt clicks": sum(of_app("txn-emails-clicked").values()),
            "texts delivered": sum(of_app("txn-sms-delivered").values()),
        }

    assert wait_until(lambda: figures() == expected, 150, 3.0), figures()

    sign_in(page, local_stack, "MaskedAccess")
    received = PageAnswers(page)
    go(page, local_stack, f"dashboards/{c.app}", "Dashboards")
    app_answers = received.of(f"/v1/apps/{c.app}")
    _check_charts(page, app_answers, 6)
    for kpi in ("txn-sms-sent-grouped-by-date", "txn-emails-delivered-grouped-by-date"):
        assert app_answers(kpi) == of_app(kpi), kpi
    texts_today = page.get_by_test_id(f"figure-txn-sms-sent-grouped-by-date@{_today(local_stack)}")
    assert texts_today.inner_text() == "1"
    looked_at(page, "dashboards-application")

    page.get_by_role("button", name="Campaign", exact=True).click()
    page.get_by_role("button", name="Choose a campaign").click()
    page.get_by_role("option", name="Dashboard offer").click()
    campaign_answers = received.of(f"/v1/apps/{c.app}/campaigns/{campaign['Id']}")
    _check_charts(page, campaign_answers, 5)
    for kpi in ("attempted-deliveries-grouped-by-campaign-activity", "unique-deliveries-grouped-by-date"):
        assert campaign_answers(kpi) == of_campaign(kpi), kpi
    looked_at(page, "dashboards-campaign")

    # A journey's: its email activity's figures, counted as its events come back.
    j = journeying
    j.email("dash-j-1", "success+open@simulator.amazonses.com")
    j.email("dash-j-2", "success@simulator.amazonses.com")
    journey = j.create(
        {
            "Name": "Dashboard welcome",
            "StartActivity": "welcomeEmail",
            "Activities": j.activities(wait="P1D"),
            "StartCondition": {"SegmentStartCondition": {"SegmentId": j.segment()}},
            "Schedule": j.schedule(),
        }
    )
    j.state(journey["Id"], "ACTIVE")
    j.sent(journey["Id"], emails=2, texts=0)

    def of_journey(kpi, **asked):
        return _rows(
            pinpoint.get_journey_date_range_kpi(
                ApplicationId=j.app, JourneyId=journey["Id"], KpiName=kpi, **asked
            )
        )

    assert wait_until(
        lambda: (
            of_journey("emails-opened-grouped-by-journey-activity") == {"welcomeEmail": 1.0}
            and of_journey("emails-delivered-grouped-by-journey-activity") == {"welcomeEmail": 2.0}
        ),
        120,
        2.0,
    )
    go(page, local_stack, f"dashboards/{j.app}", "Dashboards")
    page.get_by_role("button", name="Journey", exact=True).click()
    page.get_by_role("button", name="Choose a journey").click()
    page.get_by_role("option", name="Dashboard welcome").click()
    _check_charts(page, of_journey, 2)
    shown = page.get_by_test_id("figure-emails-sent-grouped-by-journey-activity@welcomeEmail")
    assert shown.inner_text() == "2"

    # A chosen range: today alone (UTC), as whole days; then the day before, when nothing was sent.
    today = _today(local_stack)
    for day in (today, (date.fromisoformat(today) - timedelta(days=1)).isoformat()):
        page.locator("[data-testid='range'] button").first.click()
        page.get_by_label("Start date").fill(day.replace("-", "/"))
        page.get_by_label("End date").fill(day.replace("-", "/"))
        page.get_by_role("button", name="Apply").click()
        start = datetime.fromisoformat(f"{day}T00:00:00+00:00")
        window = {"StartTime": start, "EndTime": start + timedelta(hours=23, minutes=59, seconds=59)}
        _check_charts(page, lambda kpi, w=window: of_journey(kpi, **w), 2, f"{day}T00:00:00Z")
    assert page.get_by_test_id("figure-emails-sent-grouped-by-journey-activity@welcomeEmail").count() == 0
    looked_at(page, "dashboards-journey")


def _today(stack):
    """The stack's day (UTC): its clock may have been moved ahead by an earlier test."""
    return stack.clock.now().astimezone(UTC).date().isoformat()
