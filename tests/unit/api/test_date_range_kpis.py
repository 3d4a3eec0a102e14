"""GetApplicationDateRangeKpi and GetCampaignDateRangeKpi (engage.api.kpis): Pinpoint's metric names,
the date range rules, the query's safety, the result's shape, and the figures the query computes
over a lake of a campaign's and transactional messages (on DuckDB, as the local Athena runs it)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from engage.api import kpis
from engage.api.kpis import APPLICATION_KPIS, CAMPAIGN_KPIS, DateRangeKpis, date_range, literal, query
from engage.errors import NotFoundError, ValidationError
from engage.sending.ledger import Outcome, Status
from engage.sending.request import SendRequest
from engage.sending.sender import SendResult, event_for

from engage_cli.lake.local import LocalLake
from engage_local.emulators.athena import as_text, bind
from tests.support.channel_records import APP, mail, ses, sms
from tests.support.lake import campaign_lake, normalised, record, write_lake
from tests.support.model_shapes import problems

# The Pinpoint Developer Guide's standard metrics (analytics-standard-metrics).
DOCUMENTED_APPLICATION = [
    "successful-delivery-rate",
    "successful-delivery-rate-grouped-by-date",
    "email-open-rate",
    "email-open-rate-grouped-by-campaign",
    "unique-deliveries",
    "unique-deliveries-grouped-by-campaign",
    "unique-deliveries-grouped-by-date",
    "successful-deliveries-grouped-by-campaign",
    "push-open-rate",
    "push-open-rate-grouped-by-campaign",
    *(
        name
        for metric in (
            "clicked",
            "complaint-rate",
            "with-complaints",
            "delivered",
            "delivery-rate",
            "hard-bounced",
            "opened",
            "sent",
            "soft-bounced",
            "unique-clicks",
            "unique-opens",
        )
        for name in (f"txn-emails-{metric}", f"txn-emails-{metric}-grouped-by-date")
    ),
    "txn-sms-sent",
    "txn-sms-sent-grouped-by-date",
    "txn-sms-sent-grouped-by-country",
    "txn-sms-delivered",
    "txn-sms-delivered-grouped-by-date",
    "txn-sms-delivered-grouped-by-country",
    "txn-sms-delivery-rate",
    "txn-sms-delivery-rate-grouped-by-date",
    "txn-sms-sent-by-parts",
    "txn-sms-sent-by-parts-grouped-by-country",
    "txn-sms-delivered-by-parts",
    "txn-sms-delivered-by-parts-grouped-by-country",
    "txn-sms-error-distribution",
    "txn-sms-average-price-grouped-by-country",
    "txn-sms-average-price-by-parts-grouped-by-country",
    "txn-sms-total-price-grouped-by-country",
]
DOCUMENTED_CAMPAIGN = [
    "hard-bounce-rate",
    "hard-bounce-rate-grouped-by-campaign-activity",
    "successful-delivery-rate",
    "successful-delivery-rate-grouped-by-campaign-activity",
    "successful-delivery-rate-grouped-by-date",
    "email-open-rate",
    "email-open-rate-grouped-by-campaign-activity",
    "direct-email-opens-grouped-by-campaign-activity",
    "unique-deliveries",
    "unique-deliveries-grouped-by-campaign-activity",
    "unique-deliveries-grouped-by-date",
    "clicks-grouped-by-campaign-activity",
    "successful-deliveries-grouped-by-campaign-activity",
    "attempted-deliveries-grouped-by-campaign-activity",
    "push-open-rate",
    "push-open-rate-grouped-by-campaign-activity",
    "direct-push-opens-grouped-by-campaign-activity",
    "sms-spend",
]
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
NOVEMBER = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC))
NEXT_DAY = 1_795_251_600.0  # 2026-11-21T09:00:00Z


# --- the catalogue ----------------------------------------------------------------------------------
def test_every_documented_metric_is_served_and_no_other():
    assert sorted(APPLICATION_KPIS) == sorted(DOCUMENTED_APPLICATION)
    assert sorted(CAMPAIGN_KPIS) == sorted(DOCUMENTED_CAMPAIGN)
    for name in DOCUMENTED_APPLICATION:
        assert kpis.kpi("application", name).name == name
    for name in DOCUMENTED_CAMPAIGN:
        assert kpis.kpi("campaign", name).name == name


def test_an_unknown_metric_is_refused_with_the_list_of_its_level():
    with pytest.raises(ValidationError) as refused:
        kpis.kpi("application", "hard-bounce-rate")  # a campaign's metric, not an application's
    assert refused.value.field == "kpi-name"
    assert "txn-emails-sent" in str(refused.value) and "unique-deliveries-grouped-by-date" in str(
        refused.value
    )
    with pytest.raises(ValidationError, match="sms-spend"):
        kpis.kpi("campaign", "txn-sms-sent")


def test_value_and_grouping_keys_are_pinpoints_where_published_and_pascal_case_otherwise():
    assert kpis.kpi("application", "unique-deliveries-grouped-by-date").key == "UniqueDeliveries"
    assert kpis.kpi("application", "txn-emails-sent").key == "TxnEmailsSent"
    assert kpis.kpi("application", "txn-sms-sent-grouped-by-country").key == "TxnSmsSent"
    assert kpis.kpi("campaign", "clicks-grouped-by-campaign-activity").key == "Clicks"
    assert kpis.kpi("application", "txn-sms-error-distribution").key == "TxnSmsErrorDistribution"
    groups = {name: kpis.kpi("application", name).group for name in DOCUMENTED_APPLICATION}
    assert groups["email-open-rate-grouped-by-campaign"] == "campaign"
    assert groups["txn-sms-error-distribution"] == "error"
    assert kpis.GROUPS["campaign-activity"][0] == "CampaignActivityId"
    assert kpis.GROUPS["date"][0] == "Date" and kpis.GROUPS["campaign"][0] == "CampaignId"


# --- the date range ---------------------------------------------------------------------------------
def test_the_default_range_is_the_31_days_to_now():
    assert date_range(None, None, NOW) == (NOW - timedelta(days=31), NOW)


def test_a_start_alone_reaches_31_days_on_or_now():
    start = NOW - timedelta(days=40)
    assert date_range(start, None, NOW) == (start, start + timedelta(days=31))
    recent = NOW - timedelta(days=2)
    assert date_range(recent, None, NOW) == (recent, NOW)


def test_an_end_alone_reaches_31_days_back():
    end = NOW - timedelta(days=5)
    assert date_range(None, end, NOW) == (end - timedelta(days=31), end)


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (NOW - timedelta(days=32), NOW, "end-time", "at most 31 days"),
        (NOW - timedelta(days=91), NOW - timedelta(days=80), "start-time", "last 90 days"),
        (NOW, NOW - timedelta(days=1), "start-time", "after end-time"),
    ],
)
def test_ranges_too_long_too_old_or_backwards_are_refused(start, end, field, words):
    with pytest.raises(ValidationError) as refused:
        date_range(start, end, NOW)
    assert refused.value.field == field and words in str(refused.value)
    assert refused.value.pinpoint_type == "BadRequestException"


def test_a_range_of_exactly_31_days_is_taken():
    start = NOW - timedelta(days=31)
    assert date_range(start, NOW, NOW) == (start, NOW)


# --- the query's safety -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad", ["x' OR '1'='1", "c1; DROP TABLE events", "a b", "", "x" * 65, "é", "c1\n", "?", "c1'"]
)
def test_ids_that_are_not_plain_ids_never_reach_the_sql(bad):
    with pytest.raises(ValidationError):
        literal(bad)
    with pytest.raises(ValidationError):
        query(CAMPAIGN_KPIS["sms-spend"], APP, *NOVEMBER, campaign_id=bad)
    with pytest.raises(ValidationError):
        query(APPLICATION_KPIS["txn-sms-sent"], bad, *NOVEMBER)


def test_ids_are_execution_parameters_not_sql():
    built = query(CAMPAIGN_KPIS["hard-bounce-rate"], APP, *NOVEMBER, campaign_id="c-spring")
    assert built.parameters == (f"'{APP}'", "'c-spring'")
    assert APP not in built.sql and "c-spring" not in built.sql
    assert built.sql.count("?") == 2
    application = query(APPLICATION_KPIS["txn-emails-sent"], APP, *NOVEMBER)
    assert application.parameters == (f"'{APP}'",) and application.sql.count("?") == 1


def test_the_query_reads_the_events_table_of_the_ranges_partitions_only():
    import sqlglot
    from sqlglot import exp

    built = query(APPLICATION_KPIS["txn-emails-sent-grouped-by-date"], APP, *NOVEMBER)
    tree = sqlglot.parse_one(built.sql, read="athena")  # Athena's dialect, one statement
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    assert {t.name for t in tree.find_all(exp.Table)} - ctes == {"events"}
    assert "e.year IN ('2026')" in built.sql and "e.month IN ('10', '11', '12')" in built.sql
    assert (
        f"BETWEEN {int(NOVEMBER[0].timestamp() * 1000)} AND {int(NOVEMBER[1].timestamp() * 1000)}"
        in built.sql
    )


# --- the result's shape -----------------------------------------------------------------------------
def test_rows_become_pinpoints_result_rows_and_rows_without_a_value_are_left_out():
    grouped = APPLICATION_KPIS["unique-deliveries-grouped-by-date"]
    assert kpis.result_rows(grouped, [["2019-09-06", "1368"], ["2019-09-07", None], [None, "3"]]) == [
        {
            "GroupedBys": [{"Key": "Date", "Type": "String", "Value": "2019-09-06"}],
            "Values": [{"Key": "UniqueDeliveries", "Type": "Double", "Value": "1368.0"}],
        }
    ]
    single = APPLICATION_KPIS["successful-delivery-rate"]
    assert kpis.result_rows(single, [["0.75"]]) == [
        {"GroupedBys": [], "Values": [{"Key": "SuccessfulDeliveryRate", "Type": "Double", "Value": "0.75"}]}
    ]
    assert kpis.result_rows(single, []) == [] and kpis.result_rows(single, [[None]]) == []


# --- the figures, over a lake -----------------------------------------------------------------------
def _transactional(request_id, endpoint, channel, message_id, at, address):
    request = SendRequest(
        APP,
        request_id,
        channel,
        {"Body": "Code 123"} if channel == "SMS" else {"Subject": "Receipt", "HtmlPart": "<p>Thanks</p>"},
        endpoint_id=endpoint,
        transactional=True,
    )
    headers = {"from": "shop@example.com", "subject": "Receipt"} if channel == "EMAIL" else None
    result = SendResult(request, Outcome(Status.SENT, message_id), address=address, headers=headers)
    return record(event_for(result, at))


def _own_mail(message_id, address, endpoint):
    message = mail(message_id, address, endpoint_id=endpoint)
    for tag in ("campaign_id", "request_id"):
        del message["tags"][tag]
    return message


def _own_text(final_type, status, message_id, endpoint, country, parts, price, at):
    raw = sms(final_type, status, message_id=message_id, endpoint_id=endpoint, price=price, at=at)
    del raw["context"]["campaign_id"]
    raw["context"]["request_id"] = f"req-{message_id}"
    return copy.deepcopy({**raw, "isoCountryCode": country, "totalMessageParts": parts})


def transactional_lake(root: Path) -> None:
    """Four receipts by email and three codes by text, sent by no campaign and no journey: tx-1
    delivered, opened and clicked twice; tx-2 bounced softly, then delivered; tx-3 bounced for good;
    tx-4 (the next day) delivered, opened and complained of. A two-part text to the US delivered, a
    text to Canada blocked, one the carrier has not answered yet."""
    send_time = 1_795_172_400.0  # 2026-11-20T11:00:00Z
    events, raw_ses = [], []
    people = {"tx-1": "ana@example.org", "tx-2": "bo@example.org", "tx-3": "cy@example.org"}
    people["tx-4"] = "di@example.org"
    for endpoint, address in people.items():
        at = NEXT_DAY if endpoint == "tx-4" else send_time
        events.append(_transactional(f"req-{endpoint}", endpoint, "EMAIL", f"m-{endpoint}", at, address))
    outcomes = [
        ("tx-1", "Delivery", "2026-11-20T11:01:00.000Z", {}),
        ("tx-1", "Open", "2026-11-20T11:05:00.000Z", {}),
        ("tx-1", "Open", "2026-11-20T11:06:00.000Z", {}),
        ("tx-1", "Click", "2026-11-20T11:07:00.000Z", {}),
        ("tx-1", "Click", "2026-11-20T11:08:00.000Z", {}),
        (
            "tx-2",
            "Bounce",
            "2026-11-20T11:01:00.000Z",
            {"bounceType": "Transient", "bounceSubType": "MailboxFull"},
        ),
        ("tx-2", "Delivery", "2026-11-20T11:30:00.000Z", {}),
        ("tx-3", "Bounce", "2026-11-20T11:01:00.000Z", {}),
        ("tx-4", "Delivery", "2026-11-21T09:01:00.000Z", {}),
        ("tx-4", "Open", "2026-11-21T09:05:00.000Z", {}),
        ("tx-4", "Complaint", "2026-11-21T09:20:00.000Z", {}),
    ]
    for endpoint, kind, at, detail in outcomes:
        raw = ses(kind, at=at, message=_own_mail(f"m-{endpoint}", people[endpoint], endpoint), **detail)
        raw_ses.append(raw)
        events.append(normalised(raw))
    texts = [
        ("txs-1", "TEXT_DELIVERED", "DELIVERED", "US", 2, 0.00645),
        ("txs-2", "TEXT_BLOCKED", "BLOCKED", "CA", 1, 0.002),
    ]
    raw_sms = []
    for endpoint in ("txs-1", "txs-2", "txs-3"):
        events.append(
            _transactional(f"req-{endpoint}", endpoint, "SMS", f"sms-{endpoint}", send_time, "+1206")
        )
    for endpoint, final_type, status, country, parts, price in texts:
        raw = _own_text(
            final_type, status, f"sms-{endpoint}", endpoint, country, parts, price, 1_795_172_460_000
        )
        raw_sms.append(raw)
        events.append(normalised(raw))
    write_lake(root, "events/", events, part="part-txn")
    write_lake(root, "ses/", raw_ses, part="part-txn")
    write_lake(root, "sms/", raw_sms, part="part-txn")


class DuckLake:
    """The lake as the local Athena answers: parameters bound as Athena binds them, values as text."""

    def __init__(self, root: Path) -> None:
        self.lake = LocalLake(root)
        self.asked: list[tuple[str, tuple[str, ...]]] = []

    def rows(self, sql, parameters=()):
        self.asked.append((sql, tuple(parameters)))
        result = self.lake.query(bind(sql, list(parameters)))
        return list(result.columns), iter([[as_text(v) for v in row] for row in result.rows])


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("kpi-lake")
    campaign_lake(root)
    transactional_lake(root)
    return DuckLake(root)


def campaigns(app_id, campaign_id):
    if campaign_id not in ("c-spring", "c-sms", "c-quiet"):
        raise NotFoundError(f"no campaign {campaign_id}")
    return {"Id": campaign_id}


@pytest.fixture
def metrics(lake):
    return DateRangeKpis(lake, campaigns, NOW.timestamp)


def figures(answer):
    """{grouped value or None: value} of a KpiResult."""
    return {
        (row["GroupedBys"][0]["Value"] if row["GroupedBys"] else None): float(row["Values"][0]["Value"])
        for row in answer["KpiResult"]["Rows"]
    }


def application(metrics, name):
    answer = metrics.application(APP, name, *NOVEMBER)
    assert problems("pinpoint", "ApplicationDateRangeKpiResponse", answer) == []
    return figures(answer)


def campaign(metrics, campaign_id, name):
    answer = metrics.campaign(APP, campaign_id, name, *NOVEMBER)
    assert problems("pinpoint", "CampaignDateRangeKpiResponse", answer) == []
    return figures(answer)


def test_transactional_email_figures(metrics):
    assert application(metrics, "txn-emails-sent") == {None: 4.0}
    assert application(metrics, "txn-emails-sent-grouped-by-date") == {"2026-11-20": 3.0, "2026-11-21": 1.0}
    assert application(metrics, "txn-emails-delivered") == {None: 2.0}  # not tx-2 (soft) nor tx-3 (hard)
    assert application(metrics, "txn-emails-delivery-rate") == {None: 0.5}
    assert application(metrics, "txn-emails-hard-bounced") == {None: 1.0}
    assert application(metrics, "txn-emails-soft-bounced") == {None: 1.0}
    assert application(metrics, "txn-emails-opened") == {None: 2.0}  # messages, not opens
    assert application(metrics, "txn-emails-unique-opens") == {None: 2.0}
    assert application(metrics, "txn-emails-clicked") == {None: 2.0}  # every click
    assert application(metrics, "txn-emails-unique-clicks") == {None: 1.0}
    assert application(metrics, "txn-emails-with-complaints-grouped-by-date") == {
        "2026-11-20": 0.0,
        "2026-11-21": 1.0,
    }
    assert application(metrics, "txn-emails-complaint-rate") == {None: 0.25}


def test_transactional_sms_figures(metrics):
    assert application(metrics, "txn-sms-sent") == {None: 3.0}
    assert application(metrics, "txn-sms-sent-grouped-by-country") == {"CA": 1.0, "UNKNOWN": 1.0, "US": 1.0}
    assert application(metrics, "txn-sms-delivered-grouped-by-date") == {"2026-11-20": 1.0}
    assert application(metrics, "txn-sms-delivery-rate") == {None: pytest.approx(1 / 3)}
    assert application(metrics, "txn-sms-sent-by-parts") == {None: 4.0}
    assert application(metrics, "txn-sms-delivered-by-parts-grouped-by-country") == {
        "CA": 0.0,
        "UNKNOWN": 0.0,
        "US": 2.0,
    }
    assert application(metrics, "txn-sms-error-distribution") == {"BLOCKED": 1.0}
    assert application(metrics, "txn-sms-average-price-grouped-by-country") == {"CA": 200.0, "US": 645.0}
    assert application(metrics, "txn-sms-average-price-by-parts-grouped-by-country") == {
        "CA": 200.0,
        "US": 322.5,
    }
    assert application(metrics, "txn-sms-total-price-grouped-by-country") == {
        "CA": 200.0,
        "UNKNOWN": 0.0,
        "US": 645.0,
    }


def test_application_campaign_figures(metrics):
    # c-spring: five emails sent (ep-6 refused), ep-3 bounced for good; c-sms: three texts, one
    # blocked, one to a number that opted out.
    assert application(metrics, "successful-delivery-rate") == {None: 5 / 8}
    assert application(metrics, "successful-deliveries-grouped-by-campaign") == {
        "c-sms": 1.0,
        "c-spring": 4.0,
    }
    assert application(metrics, "unique-deliveries-grouped-by-campaign") == {"c-sms": 1.0, "c-spring": 4.0}
    assert application(metrics, "unique-deliveries-grouped-by-date") == {"2026-11-20": 5.0}
    assert application(metrics, "email-open-rate-grouped-by-campaign") == {"c-spring": 0.5}
    assert application(metrics, "push-open-rate") == {}  # no push sent: no data


def test_campaign_figures_by_run(metrics):
    assert campaign(metrics, "c-spring", "hard-bounce-rate") == {None: 0.2}
    assert campaign(metrics, "c-spring", "attempted-deliveries-grouped-by-campaign-activity") == {
        "act-1": 5.0
    }
    assert campaign(metrics, "c-spring", "successful-deliveries-grouped-by-campaign-activity") == {
        "act-1": 4.0
    }
    assert campaign(metrics, "c-spring", "direct-email-opens-grouped-by-campaign-activity") == {"act-1": 2.0}
    assert campaign(metrics, "c-spring", "clicks-grouped-by-campaign-activity") == {"act-1": 1.0}
    assert campaign(metrics, "c-spring", "email-open-rate") == {None: 0.5}
    assert campaign(metrics, "c-sms", "successful-delivery-rate-grouped-by-date") == {
        "2026-11-20": pytest.approx(1 / 3)
    }
    assert campaign(metrics, "c-sms", "sms-spend") == {None: pytest.approx(3 * 581.0)}
    assert campaign(metrics, "c-spring", "sms-spend") == {}  # an email campaign spent nothing on texts


def test_a_campaign_or_range_without_data_has_no_rows(metrics):
    assert campaign(metrics, "c-quiet", "unique-deliveries") == {}
    answer = metrics.application(APP, "txn-emails-sent", datetime(2026, 11, 22, tzinfo=UTC), NOW)
    assert answer["KpiResult"] == {"Rows": []}


def test_the_answer_names_its_application_campaign_metric_and_range(metrics):
    answer = metrics.campaign(APP, "c-spring", "hard-bounce-rate", *NOVEMBER)
    assert answer["ApplicationId"] == APP and answer["CampaignId"] == "c-spring"
    assert answer["KpiName"] == "hard-bounce-rate"
    assert (answer["StartTime"], answer["EndTime"]) == ("2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")
    assert "NextToken" not in answer


def test_an_unknown_campaign_is_not_found_before_any_query(lake):
    metrics = DateRangeKpis(lake, campaigns, NOW.timestamp)
    asked = len(lake.asked)
    with pytest.raises(NotFoundError):
        metrics.campaign(APP, "c-gone", "hard-bounce-rate", *NOVEMBER)
    with pytest.raises(ValidationError):
        metrics.application(APP, "no-such-metric")
    assert len(lake.asked) == asked


def test_the_default_range_is_answered(lake):
    metrics = DateRangeKpis(lake, campaigns, NOW.timestamp)
    answer = metrics.application(APP, "txn-emails-sent")
    assert answer["EndTime"] == "2026-12-01T12:00:00Z" and answer["StartTime"] == "2026-10-31T12:00:00Z"
    assert figures(answer) == {None: 4.0}
