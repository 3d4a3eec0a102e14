"""GetApplicationDateRangeKpi and GetCampaignDateRangeKpi from the outside: a campaign's email and
texts and some transactional ones are sent through the stack, the emulated SES and carrier report
back, the events reach the lake through Firehose; then a real boto3 pinpoint client asks for the
metrics (the API queries the lake on the local Athena, as its own IAM role) and each figure is the
one worked out here from the lake's rows read directly (DuckDB over a copy of the events bucket)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from engage_cli.lake.local import LocalLake
from engage_cli.lake.sync import sync
from engage_local.api import wait_until
from tests.support.model_shapes import problems

pytestmark = pytest.mark.e2e

SENDS = {"_email.send": "EMAIL", "_SMS.BUFFERED": "SMS"}
FAILED_FOR_GOOD = {"_email.hardbounce", "_SMS.FAILURE", "_SMS.OPTOUT"}
EXPECTED_EVENTS = {  # what the sends below come back as, in all
    "_email.send": 5,
    "_email.delivered": 3,
    "_email.open": 2,
    "_email.click": 1,
    "_email.hardbounce": 2,
    "_email.complaint": 1,
    "_SMS.BUFFERED": 4,
    "_SMS.SUCCESS": 2,
    "_SMS.FAILURE": 2,
}


class Lake:
    """The app's events, read straight from a copy of the events bucket."""

    def __init__(self, stack, app, root):
        self.stack, self.app, self.root = stack, app, root
        self.bucket = stack.stacks["engage"].outputs["EventsBucketName"]

    def rows(self):
        sync(self.stack.client("s3"), self.bucket, self.root)
        return (
            LocalLake(self.root)
            .query(
                "SELECT event_type, event_id, endpoint_id, campaign_id, campaign_activity_id, journey_id, "
                "event_timestamp, element_at(message_tags, 'message_id') AS message_id, "
                "element_at(message_tags, 'iso_country_code') AS country, "
                "element_at(message_tags, 'record_status') AS status, "
                "element_at(metrics, 'price_in_millicents_usd') AS price "
                f"FROM events_named WHERE application_id = '{self.app}'"
            )
            .records()
        )


def messages(rows):
    """Each message sent, with its channel, ids, day and events (the figures' common ground)."""
    sent = {
        r["message_id"]: {
            **r,
            "channel": SENDS[r["event_type"]],
            "day": r["event_timestamp"][:10],
            "events": [],
        }
        for r in rows
        if r["event_type"] in SENDS
    }
    for r in rows:
        if r["message_id"] in sent:
            sent[r["message_id"]]["events"].append(r)
    return list(sent.values())


def has(message, *event_types):
    return any(e["event_type"] in event_types for e in message["events"])


def delivered(message):
    return not has(message, *FAILED_FOR_GOOD)


def rate(part, whole):
    return {None: len(part) / len(whole)} if whole else {}


def by(key, found, value):
    groups = defaultdict(list)
    for m in found:
        groups[m[key]].append(m)
    return {k: value(v) for k, v in groups.items()}


def figures(answer):
    return {
        (r["GroupedBys"][0]["Value"] if r["GroupedBys"] else None): float(r["Values"][0]["Value"])
        for r in answer["KpiResult"]["Rows"]
    }


def test_application_and_campaign_metrics_are_the_lakes_figures(campaigning, pinpoint, local_stack, tmp_path):
    c = campaigning
    c.readers(
        {
            "kpi-click": "success+click@simulator.amazonses.com",
            "kpi-bounce": "bounce@simulator.amazonses.com",
            "kpi-complaint": "complaint@simulator.amazonses.com",
        }
    )
    for endpoint, number in (("kpi-text-ok", "+12065550617"), ("kpi-text-blocked", "+14255550101")):
        c.contacts.upsert(
            c.app, endpoint, {"ChannelType": "SMS", "Address": number, "Attributes": {"Plan": ["gold"]}}
        )
    campaign = c.campaign(
        SegmentId=c.segment()["Id"],
        MessageConfiguration={
            "EmailMessage": {
                "FromAddress": "news@example.com",
                "Title": "Offers",
                "HtmlBody": "<p>Hello</p>",
            },
            "SMSMessage": {"Body": "Offers inside"},
        },
    )
    receipts = {
        "Addresses": {
            "success+open@simulator.amazonses.com": {"ChannelType": "EMAIL"},
            # bounce@ is the campaign's (and then suppressed for the application): a hard bounce too
            "suppressionlist@simulator.amazonses.com": {"ChannelType": "EMAIL"},
            "+12065550189": {"ChannelType": "SMS"},
            "+14255550106": {"ChannelType": "SMS"},  # the carrier calls it spam, for good
        },
        "MessageConfiguration": {
            "EmailMessage": {
                "FromAddress": "news@example.com",
                "SimpleEmail": {"Subject": {"Data": "Receipt"}, "TextPart": {"Data": "Thanks"}},
            },
            "SMSMessage": {"Body": "Your code is 4711", "MessageType": "TRANSACTIONAL"},
        },
    }
    answered = pinpoint.send_messages(ApplicationId=c.app, MessageRequest=receipts)["MessageResponse"][
        "Result"
    ]
    assert {r["DeliveryStatus"] for r in answered.values()} == {"SUCCESSFUL"}

    lake = Lake(local_stack, c.app, tmp_path / "lake")

    def arrived():
        counts = Counter(r["event_type"] for r in lake.rows())
        return all(counts[t] >= n for t, n in EXPECTED_EVENTS.items())

    assert wait_until(arrived, 120, 2.0), Counter(r["event_type"] for r in lake.rows())
    time.sleep(2)  # and anything still on its way
    found = messages(lake.rows())
    ours = [m for m in found if m["campaign_id"] == campaign["Id"]]
    receipts_sent = [m for m in found if m["campaign_id"] is None and m["journey_id"] is None]
    assert len(ours) == 5 and len(receipts_sent) == 4  # the sends above, nothing else

    def application(name, **asked):
        answer = pinpoint.get_application_date_range_kpi(ApplicationId=c.app, KpiName=name, **asked)
        body = answer["ApplicationDateRangeKpiResponse"]
        assert problems("pinpoint", "ApplicationDateRangeKpiResponse", body) == [], name
        assert body["ApplicationId"] == c.app and body["KpiName"] == name and "NextToken" not in body
        return figures(body)

    def of_campaign(name, **asked):
        answer = pinpoint.get_campaign_date_range_kpi(
            ApplicationId=c.app, CampaignId=campaign["Id"], KpiName=name, **asked
        )
        body = answer["CampaignDateRangeKpiResponse"]
        assert problems("pinpoint", "CampaignDateRangeKpiResponse", body) == [], name
        assert body["CampaignId"] == campaign["Id"] and body["KpiName"] == name
        return figures(body)

    emails = [m for m in ours if m["channel"] == "EMAIL"]
    texts = [m for m in ours if m["channel"] == "SMS"]
    reached = [m for m in ours if delivered(m)]
    receipt_emails = [m for m in receipts_sent if m["channel"] == "EMAIL"]
    receipt_texts = [m for m in receipts_sent if m["channel"] == "SMS"]

    # The application: its campaigns.
    assert application("successful-delivery-rate") == rate(reached, ours)
    assert application("unique-deliveries-grouped-by-campaign") == {
        campaign["Id"]: float(len({m["endpoint_id"] for m in reached}))
    }
    assert application("successful-deliveries-grouped-by-campaign") == {campaign["Id"]: float(len(reached))}
    delivered_emails = [m for m in emails if delivered(m)]
    assert application("email-open-rate") == rate(
        [m for m in delivered_emails if has(m, "_email.open")], delivered_emails
    )
    assert application("push-open-rate") == {}  # no push was sent: no data
    # The application: its transactional email and texts.
    now = datetime.now(UTC)
    window = {"StartTime": now - timedelta(hours=2), "EndTime": now + timedelta(minutes=5)}
    assert application("txn-emails-sent", **window) == {None: float(len(receipt_emails))} == {None: 2.0}
    assert application("txn-emails-delivered-grouped-by-date") == by(
        "day",
        receipt_emails,
        lambda ms: float(
            sum(not has(m, "_email.hardbounce", "_email.softbounce", "_email.rejected") for m in ms)
        ),
    )
    assert application("txn-emails-opened") == {
        None: float(sum(has(m, "_email.open") for m in receipt_emails))
    }
    assert application("txn-emails-hard-bounced") == {
        None: float(sum(has(m, "_email.hardbounce") for m in receipt_emails))
    }
    assert application("txn-sms-sent") == {None: float(len(receipt_texts))} == {None: 2.0}
    assert application("txn-sms-delivered") == {
        None: float(sum(has(m, "_SMS.SUCCESS") for m in receipt_texts))
    }
    failures = Counter(
        e["status"] for m in receipt_texts for e in m["events"] if e["event_type"] in FAILED_FOR_GOOD
    )
    assert application("txn-sms-error-distribution") == {k: float(n) for k, n in failures.items()}
    prices = defaultdict(float)
    for m in receipt_texts:
        finals = [e for e in m["events"] if e["price"] is not None]
        country = next((e["country"] for e in m["events"] if e["country"]), "UNKNOWN")
        prices[country] += max((e["price"] for e in finals), default=0.0)
    assert application("txn-sms-total-price-grouped-by-country") == pytest.approx(dict(prices))
    # The campaign, by run and by day.
    assert of_campaign("attempted-deliveries-grouped-by-campaign-activity") == by(
        "campaign_activity_id", ours, lambda ms: float(len(ms))
    )
    assert of_campaign("hard-bounce-rate") == rate([m for m in emails if has(m, "_email.hardbounce")], emails)
    assert of_campaign("clicks-grouped-by-campaign-activity") == by(
        "campaign_activity_id",
        emails,
        lambda ms: float(sum(e["event_type"] == "_email.click" for m in ms for e in m["events"])),
    )
    assert of_campaign("successful-delivery-rate-grouped-by-date") == by(
        "day", ours, lambda ms: sum(delivered(m) for m in ms) / len(ms)
    )
    spend = sum(max((e["price"] or 0.0 for e in m["events"]), default=0.0) for m in texts)
    assert of_campaign("sms-spend") == pytest.approx({None: spend}) and spend > 0
    assert of_campaign("direct-push-opens-grouped-by-campaign-activity") == {}
    # Each was one query of the lake's workgroup, its result kept as Athena keeps it.
    athena, outputs = local_stack.client("athena"), local_stack.stacks["engage"].outputs
    latest = athena.list_query_executions(WorkGroup=outputs["EventsWorkGroupName"])["QueryExecutionIds"][-1]
    execution = athena.get_query_execution(QueryExecutionId=latest)["QueryExecution"]
    assert execution["Status"]["State"] == "SUCCEEDED" and execution["ExecutionParameters"] == [
        f"'{c.app}'",
        f"'{campaign['Id']}'",
    ]
    bucket, key = execution["ResultConfiguration"]["OutputLocation"].removeprefix("s3://").split("/", 1)
    assert key.startswith("athena-results/") and bucket == outputs["EventsBucketName"]
    csv = local_stack.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert csv == '"grouped","value"\n'  # no push: the header alone


def test_metrics_refuse_what_pinpoint_refuses(campaigning, pinpoint):
    c = campaigning
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="txn-emails-sent"):
        pinpoint.get_application_date_range_kpi(ApplicationId=c.app, KpiName="no-such-metric")
    now = datetime.now(UTC)
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="31 days"):
        pinpoint.get_application_date_range_kpi(
            ApplicationId=c.app, KpiName="txn-sms-sent", StartTime=now - timedelta(days=40), EndTime=now
        )
    with pytest.raises(pinpoint.exceptions.BadRequestException, match="90 days"):
        pinpoint.get_application_date_range_kpi(
            ApplicationId=c.app,
            KpiName="txn-sms-sent",
            StartTime=now - timedelta(days=100),
            EndTime=now - timedelta(days=95),
        )
    with pytest.raises(pinpoint.exceptions.NotFoundException):
        pinpoint.get_campaign_date_range_kpi(
            ApplicationId=c.app, CampaignId="no-such-campaign", KpiName="sms-spend"
        )
    quiet = c.email_campaign()  # to nobody: the campaign has no data
    answer = pinpoint.get_campaign_date_range_kpi(
        ApplicationId=c.app, CampaignId=quiet["Id"], KpiName="sms-spend"
    )
    assert answer["CampaignDateRangeKpiResponse"]["KpiResult"] == {"Rows": []}
