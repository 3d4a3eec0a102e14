"""The campaign report (engage_cli.lake.report): its figures from the views over the fixture
campaign, checked against what the fixture holds, and the page they make."""

from __future__ import annotations

import re

import pytest

from engage_cli.lake.local import LocalLake
from engage_cli.lake.report import figures, render
from tests.support.channel_records import APP
from tests.support.lake import campaign_lake


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    campaign_lake(root)
    lake = LocalLake(root)
    return figures(lambda sql: lake.query(sql).records(), APP)


def test_the_email_funnel_counts_people_at_each_step(report):
    (spring,) = report.email
    assert spring == {
        "campaign_id": "c-spring", "campaign_name": "Spring sale", "sent": 5, "delivered": 4, "opened": 2,
        "clicked": 1, "hard_bounces": 1, "soft_bounces": 1, "complaints": 1, "unsubscribes": 1, "rejected": 1,
    }  # fmt: skip


def test_email_per_day(report):
    assert report.days == [{"day": "2026-11-20", "sent": 5, "delivered": 4, "opened": 2, "clicked": 1}]


def test_sms_delivery_and_cost(report):
    (texts,) = report.sms
    assert texts == {
        "campaign_id": "c-sms", "campaign_name": "Spring texts", "sent": 3, "delivered": 1, "failed": 1,
        "opted_out": 1, "cost_usd": pytest.approx(3 * 0.00581),
    }  # fmt: skip


def test_the_page_shows_the_figures_in_charts_and_needs_nothing_else(report):
    page = render(report)
    assert page.startswith("<!doctype html>") and "<script" not in page and "http" not in page
    assert page.count("<svg") == 3  # a funnel, the days, the SMS bar
    assert "Spring sale (c-spring)" in page and "Spring texts (c-sms)" in page
    assert ">5 (100%)<" in page and ">4 (80%)<" in page and ">2 (40%)<" in page and ">1 (20%)<" in page
    assert re.search(r"<td>complaints</td><td>1</td><td>25%</td>", page)
    assert "$0.0174" in page and "delivered 1 · failed 1 · opted out 1 of 3 sent" in page


def test_an_empty_lake_gives_a_page_that_says_so(tmp_path):
    lake = LocalLake(tmp_path)
    page = render(figures(lambda sql: lake.query(sql).records()))
    assert "No email campaigns yet." in page and "No SMS campaigns yet." in page


def test_athenas_text_values_become_numbers():
    rows = {"EMAIL": [{"campaign_id": "c", "campaign_name": None, "sent": "3", "delivered": "2"}]}

    def athena(sql):
        return rows["EMAIL"] if "email_all_events" in sql and "GROUP BY campaign_id" in sql else []

    assert figures(athena).email == [{"campaign_id": "c", "campaign_name": None, "sent": 3, "delivered": 2}]


def test_a_bad_application_id_never_reaches_the_sql():
    with pytest.raises(ValueError, match="application id"):
        figures(lambda sql: [], "x' OR '1'='1")
