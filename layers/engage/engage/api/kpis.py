"""GetApplicationDateRangeKpi and GetCampaignDateRangeKpi: Pinpoint's standard metrics of an
application (its campaigns, its transactional email and SMS) and of one campaign (its runs), computed
by one query of the event lake (its `events` table, in Athena's dialect) per call.

Every figure is about the messages sent in the range (a message is its `message_id`; it is in the
range when its send event is: `_email.send`, `_SMS.BUFFERED`, `_VOICE.BUFFERED`, `_push.send`,
`_custom.send`) and what became of them by the range's end: their bounces, deliveries, opens and
clicks, prices. Grouped by date, a message counts on the UTC day it was sent. A campaign's message
is delivered unless it failed for good (a hard bounce, a carrier's final failure or opt-out), as
Pinpoint's "sent minus hard bounces"; a transactional email is delivered unless it bounced (soft or
hard) or was rejected, a transactional text when the carrier said so (`_SMS.SUCCESS`).
Transactional messages are those of no campaign and no journey. A push notification is opened
when its endpoint reported `_campaign.opened_notification` for the same campaign run.

Answers have Pinpoint's analytics shape: `KpiResult.Rows`, each with its `Values` (Key, Type
"Double", Value as text, "1368.0") and, grouped, its `GroupedBys` (Type "String"). A metric without
data in the range has no rows; grouped, what had none is left out. Pinpoint published some keys
(`UniqueDeliveries`, `TxnEmailsSent`, `TxnSmsSent`; `CampaignId`, `Date`, `CampaignActivityId`);
the others are ours: a value's key is the metric's name in PascalCase without its grouping
(`txn-sms-delivery-rate-grouped-by-date` -> `TxnSmsDeliveryRate`), the country grouping's key
`Country` (ISO 3166 alpha-2, `UNKNOWN` before the carrier said) and the error grouping's
`ErrorCode` (the carrier's message status). Rates are fractions from 0 to 1 (Pinpoint did not say
which it used); prices are in millicents (thousandths of a US cent), as Pinpoint's.

Ranges are inclusive, of at most 31 days, starting within the last 90 days; by default the 31 days
to now. Results come in one page (Pinpoint's NextToken and page-size do not apply to metrics)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from engage.errors import ValidationError

MAX_RANGE = timedelta(days=31)
DEFAULT_RANGE = MAX_RANGE
OLDEST_START = timedelta(days=90)
# Firehose files an event by when it reached the lake: an event is looked for in the partitions of
# the day before its range (a device's clock ahead) to three days after it (a carrier's late report).
EARLY_ARRIVAL, LATE_ARRIVAL = timedelta(days=1), timedelta(days=3)
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

SENDS = {  # the send event of each channel
    "_email.send": "EMAIL",
    "_SMS.BUFFERED": "SMS",
    "_VOICE.BUFFERED": "VOICE",
    "_push.send": "PUSH",
    "_custom.send": "CUSTOM",
}
PUSH_OPEN = "_campaign.opened_notification"
TEXT_DELIVERED = ("_SMS.SUCCESS", "_VOICE.SUCCESS")
TEXT_FAILED = ("_SMS.FAILURE", "_VOICE.FAILURE", "_SMS.OPTOUT")  # final: not delivered
EMAIL_OUTCOMES = (
    "_email.hardbounce",
    "_email.softbounce",
    "_email.rejected",
    "_email.complaint",
    "_email.open",
    "_email.click",
)
EVENT_TYPES = (*SENDS, *EMAIL_OUTCOMES, *TEXT_DELIVERED, *TEXT_FAILED, PUSH_OPEN)

# What a message was, and what became of it (columns of `messages` in the query).
_DELIVERED = "NOT failed"
MEASURES = {  # a metric's measure -> its value over the messages in scope, in Athena's dialect
    "sent": "count(*)",
    "delivered": f"count_if({_DELIVERED})",
    "delivery_rate": f"CAST(count_if({_DELIVERED}) AS DOUBLE) / nullif(count(*), 0)",
    "unique_deliveries": f"count(DISTINCT IF({_DELIVERED}, endpoint_id))",
    "open_rate": f"CAST(count_if(opened AND {_DELIVERED}) AS DOUBLE) / nullif(count_if({_DELIVERED}), 0)",
    "push_open_rate": (
        f"CAST(count_if(push_opened AND {_DELIVERED}) AS DOUBLE) / nullif(count_if({_DELIVERED}), 0)"
    ),
    "opens": "count_if(opened)",
    "push_opens": "count_if(push_opened)",
    "clicks": "coalesce(sum(clicks), 0)",
    "unique_opens": "count(DISTINCT IF(opened, endpoint_id))",
    "unique_clicks": "count(DISTINCT IF(clicks > 0, endpoint_id))",
    "hard_bounced": "count_if(hard_bounced)",
    "soft_bounced": "count_if(soft_bounced)",
    "hard_bounce_rate": "CAST(count_if(hard_bounced) AS DOUBLE) / nullif(count(*), 0)",
    "complaints": "count_if(complained)",
    "complaint_rate": "CAST(count_if(complained) AS DOUBLE) / nullif(count(*), 0)",
    "email_delivered": "count_if(NOT (hard_bounced OR soft_bounced OR rejected))",
    "email_delivery_rate": (
        "CAST(count_if(NOT (hard_bounced OR soft_bounced OR rejected)) AS DOUBLE) / nullif(count(*), 0)"
    ),
    "text_delivered": "count_if(receipted)",
    "text_delivery_rate": "CAST(count_if(receipted) AS DOUBLE) / nullif(count(*), 0)",
    "parts": "sum(parts)",
    "delivered_parts": "coalesce(sum(IF(receipted, parts)), 0)",
    "errors": "count(*)",
    "spend": "coalesce(sum(price), 0)",
    "total_price": "coalesce(sum(price), 0)",
    "average_price": "avg(price)",
    "average_part_price": "sum(price) / nullif(sum(IF(price IS NOT NULL, parts)), 0)",
}
GROUPS = {  # a grouping -> (its GroupedBys key, its value over the messages)
    "date": ("Date", "date_format(from_unixtime(CAST(sent_at AS DOUBLE) / 1000), '%Y-%m-%d')"),
    "campaign": ("CampaignId", "campaign_id"),
    "campaign-activity": ("CampaignActivityId", "campaign_activity_id"),
    "country": ("Country", "coalesce(country, 'UNKNOWN')"),
    "error": ("ErrorCode", "coalesce(error_code, 'UNKNOWN')"),
}
SCOPES = {  # whose messages
    "campaign": "campaign_id IS NOT NULL",
    "transactional": "campaign_id IS NULL AND journey_id IS NULL",
}


@dataclass(frozen=True)
class Kpi:
    name: str
    measure: str  # a key of MEASURES
    scope: str  # a key of SCOPES
    channel: str | None = None  # one channel's messages (EMAIL, SMS, PUSH), or every channel's
    group: str | None = None  # a key of GROUPS
    where: str | None = None  # which of those messages, when not all

    @property
    def key(self) -> str:
        """The key of its values: its name in PascalCase, without its grouping."""
        return "".join(part.capitalize() for part in self.name.split("-grouped-by-")[0].split("-"))


def _kpi(name: str, measure: str, scope: str, channel: str | None = None, where: str | None = None) -> Kpi:
    group = name.split("-grouped-by-")[1] if "-grouped-by-" in name else None
    return Kpi(name, measure, scope, channel, group, where)


def _with_dates(name: str, measure: str, scope: str, channel: str | None) -> list[Kpi]:
    return [_kpi(name, measure, scope, channel), _kpi(f"{name}-grouped-by-date", measure, scope, channel)]


_TXN_EMAIL = {
    "clicked": "clicks",
    "complaint-rate": "complaint_rate",
    "with-complaints": "complaints",
    "delivered": "email_delivered",
    "delivery-rate": "email_delivery_rate",
    "hard-bounced": "hard_bounced",
    "opened": "opens",
    "sent": "sent",
    "soft-bounced": "soft_bounced",
    "unique-clicks": "unique_clicks",
    "unique-opens": "unique_opens",
}
APPLICATION_KPIS: dict[str, Kpi] = {
    k.name: k
    for k in [
        *_with_dates("successful-delivery-rate", "delivery_rate", "campaign", None),
        _kpi("email-open-rate", "open_rate", "campaign", "EMAIL"),
        _kpi("email-open-rate-grouped-by-campaign", "open_rate", "campaign", "EMAIL"),
        *_with_dates("unique-deliveries", "unique_deliveries", "campaign", None),
        _kpi("unique-deliveries-grouped-by-campaign", "unique_deliveries", "campaign"),
        _kpi("successful-deliveries-grouped-by-campaign", "delivered", "campaign"),
        _kpi("push-open-rate", "push_open_rate", "campaign", "PUSH"),
        _kpi("push-open-rate-grouped-by-campaign", "push_open_rate", "campaign", "PUSH"),
        *(
            kpi
            for suffix, measure in _TXN_EMAIL.items()
            for kpi in _with_dates(f"txn-emails-{suffix}", measure, "transactional", "EMAIL")
        ),
        *_with_dates("txn-sms-sent", "sent", "transactional", "SMS"),
        _kpi("txn-sms-sent-grouped-by-country", "sent", "transactional", "SMS"),
        *_with_dates("txn-sms-delivered", "text_delivered", "transactional", "SMS"),
        _kpi("txn-sms-delivered-grouped-by-country", "text_delivered", "transactional", "SMS"),
        *_with_dates("txn-sms-delivery-rate", "text_delivery_rate", "transactional", "SMS"),
        _kpi("txn-sms-sent-by-parts", "parts", "transactional", "SMS"),
        _kpi("txn-sms-sent-by-parts-grouped-by-country", "parts", "transactional", "SMS"),
        _kpi("txn-sms-delivered-by-parts", "delivered_parts", "transactional", "SMS"),
        _kpi("txn-sms-delivered-by-parts-grouped-by-country", "delivered_parts", "transactional", "SMS"),
        _kpi("txn-sms-average-price-grouped-by-country", "average_price", "transactional", "SMS"),
        _kpi(
            "txn-sms-average-price-by-parts-grouped-by-country", "average_part_price", "transactional", "SMS"
        ),
        _kpi("txn-sms-total-price-grouped-by-country", "total_price", "transactional", "SMS"),
    ]
}
_errors = Kpi("txn-sms-error-distribution", "errors", "transactional", "SMS", "error", "failed")
APPLICATION_KPIS[_errors.name] = _errors
CAMPAIGN_KPIS: dict[str, Kpi] = {
    k.name: k
    for k in [
        _kpi("hard-bounce-rate", "hard_bounce_rate", "campaign", "EMAIL"),
        _kpi("hard-bounce-rate-grouped-by-campaign-activity", "hard_bounce_rate", "campaign", "EMAIL"),
        *_with_dates("successful-delivery-rate", "delivery_rate", "campaign", None),
        _kpi("successful-delivery-rate-grouped-by-campaign-activity", "delivery_rate", "campaign"),
        _kpi("email-open-rate", "open_rate", "campaign", "EMAIL"),
        _kpi("email-open-rate-grouped-by-campaign-activity", "open_rate", "campaign", "EMAIL"),
        _kpi("direct-email-opens-grouped-by-campaign-activity", "opens", "campaign", "EMAIL"),
        *_with_dates("unique-deliveries", "unique_deliveries", "campaign", None),
        _kpi("unique-deliveries-grouped-by-campaign-activity", "unique_deliveries", "campaign"),
        _kpi("clicks-grouped-by-campaign-activity", "clicks", "campaign", "EMAIL"),
        _kpi("successful-deliveries-grouped-by-campaign-activity", "delivered", "campaign"),
        _kpi("attempted-deliveries-grouped-by-campaign-activity", "sent", "campaign"),
        _kpi("push-open-rate", "push_open_rate", "campaign", "PUSH"),
        _kpi("push-open-rate-grouped-by-campaign-activity", "push_open_rate", "campaign", "PUSH"),
        _kpi("direct-push-opens-grouped-by-campaign-activity", "push_opens", "campaign", "PUSH"),
        _kpi("sms-spend", "spend", "campaign", "SMS"),
    ]
}


def kpi(level: str, name: str) -> Kpi:
    """The application's (`level` "application") or campaign's metric of that name."""
    catalogue = APPLICATION_KPIS if level == "application" else CAMPAIGN_KPIS
    found = catalogue.get(name)
    if found is None:
        raise ValidationError(
            "kpi-name", f"{name!r} is not one of the {level} metrics: {', '.join(sorted(catalogue))}"
        )
    return found


# --- the date range ---------------------------------------------------------------------------------
def date_range(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The range asked for, both ends included (UTC): by default the 31 days to now (or, given only
    its start, the 31 days from it, up to now); at most 31 days, starting within the last 90."""
    start = start.astimezone(UTC) if start else None
    end = end.astimezone(UTC) if end else (min(start + MAX_RANGE, now) if start else now)
    start = start or end - DEFAULT_RANGE
    if start > end:
        raise ValidationError("start-time", "must not be after end-time")
    if end - start > MAX_RANGE:
        raise ValidationError("end-time", "a metric's date range spans at most 31 days")
    if start < now - OLDEST_START:
        raise ValidationError("start-time", "must be within the last 90 days: older metrics are not kept")
    return start, end


def _days(first: datetime, last: datetime) -> Iterator[datetime]:
    day = first.replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- the query --------------------------------------------------------------------------------------
def literal(value: str) -> str:
    """An id as an execution parameter (Athena reads each as a SQL literal): checked, then quoted."""
    if not _ID.fullmatch(value):
        raise ValidationError("id", "must be 1 to 64 letters, digits, '-' or '_'")
    return "'" + value.replace("'", "''") + "'"


def _in(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(sorted({f"'{v}'" for v in values}))})"


@dataclass(frozen=True)
class Query:
    sql: str  # Athena's dialect, `?` for each parameter
    parameters: tuple[str, ...]  # SQL literals, in order


def query(metric: Kpi, app_id: str, start: datetime, end: datetime, campaign_id: str | None = None) -> Query:
    """The metric's query over the lake's `events` table: its ids are execution parameters (checked
    and quoted), its times and partitions numbers this code wrote."""
    parameters = [literal(app_id)]
    campaign = ""
    if campaign_id is not None:
        campaign, parameters = (
            "\n    AND element_at(e.attributes, 'campaign_id') = ?",
            [
                *parameters,
                literal(campaign_id),
            ],
        )
    arrivals = list(_days(start - EARLY_ARRIVAL, end + LATE_ARRIVAL))
    partitions = " AND ".join(
        [
            _in("e.year", (d.strftime("%Y") for d in arrivals)),
            _in("e.month", (d.strftime("%m") for d in arrivals)),
            _in("e.day", (d.strftime("%d") for d in arrivals)),
        ]
    )
    sends = ", ".join(f"'{t}'" for t in SENDS)
    channel = " ".join(f"WHEN '{t}' THEN '{c}'" for t, c in SENDS.items())
    first, last = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    conditions = [SCOPES[metric.scope]]
    if metric.channel:
        conditions.append(f"channel = '{metric.channel}'")
    if metric.where:
        conditions.append(metric.where)
    measure = MEASURES[metric.measure]
    if metric.group:
        selected, grouping = f"{GROUPS[metric.group][1]} AS grouped, {measure} AS value", "GROUP BY 1 "
    else:
        selected, grouping = f"{measure} AS value", ""
    # Every fragment is this module's own text or a number it computed; the ids are parameters.
    sql = f"""WITH scoped AS (
  SELECT
    e.event_type,
    e.event_timestamp,
    e.event_id,
    coalesce(element_at(e.attributes, 'message_id'), e.event_id) AS message_key,
    e.client.client_id AS endpoint_id,
    element_at(e.attributes, 'campaign_id') AS campaign_id,
    element_at(e.attributes, 'campaign_activity_id') AS campaign_activity_id,
    element_at(e.attributes, 'journey_id') AS journey_id,
    element_at(e.attributes, 'record_status') AS record_status,
    nullif(element_at(e.attributes, 'iso_country_code'), '') AS country,
    TRY_CAST(element_at(e.attributes, 'number_of_message_parts') AS INTEGER) AS parts,
    element_at(e.metrics, 'price_in_millicents_usd') AS price
  FROM events AS e
  WHERE e.application.app_id = ?{campaign}
    AND e.event_timestamp BETWEEN {first} AND {last}
    AND {partitions}
    AND e.event_type IN ({", ".join(f"'{t}'" for t in EVENT_TYPES)})
),
sent AS (
  SELECT
    message_key,
    max(endpoint_id) AS endpoint_id,
    max(campaign_id) AS campaign_id,
    max(campaign_activity_id) AS campaign_activity_id,
    max(journey_id) AS journey_id,
    max(CASE event_type {channel} END) AS channel,
    min(IF(event_type IN ({sends}), event_timestamp)) AS sent_at,
    count_if(event_type = '_email.hardbounce') > 0 AS hard_bounced,
    count_if(event_type = '_email.softbounce') > 0 AS soft_bounced,
    count_if(event_type = '_email.rejected') > 0 AS rejected,
    count_if(event_type = '_email.complaint') > 0 AS complained,
    count_if(event_type = '_email.open') > 0 AS opened,
    count(DISTINCT IF(event_type = '_email.click', event_id)) AS clicks,
    count_if(event_type IN ('{"', '".join(TEXT_DELIVERED)}')) > 0 AS receipted,
    count_if(event_type IN ('{"', '".join(TEXT_FAILED)}')) > 0 AS text_failed,
    max(IF(event_type IN ('{"', '".join(TEXT_FAILED)}'), record_status)) AS error_code,
    max(country) AS country,
    coalesce(max(parts), 1) AS parts,
    max(price) AS price
  FROM scoped
  GROUP BY message_key
),
push_opens AS (
  SELECT DISTINCT endpoint_id, campaign_activity_id FROM scoped WHERE event_type = '{PUSH_OPEN}'
),
messages AS (
  SELECT
    s.*,
    s.hard_bounced OR s.text_failed AS failed,
    o.endpoint_id IS NOT NULL AS push_opened
  FROM sent AS s
  LEFT JOIN push_opens AS o
    ON o.endpoint_id = s.endpoint_id AND o.campaign_activity_id = s.campaign_activity_id
  WHERE s.sent_at IS NOT NULL
)
SELECT {selected}
FROM messages
WHERE {" AND ".join(conditions)}
{grouping}HAVING count(*) > 0
ORDER BY 1"""  # noqa: S608
    return Query(sql, tuple(parameters))


# --- the answer -------------------------------------------------------------------------------------
class Lake(Protocol):
    def rows(self, sql: str, parameters: Sequence[str] = ()) -> tuple[list[str], Iterator[list[str | None]]]:
        """The query's column names and rows, values as text (engage.adapters.athena.queries)."""
        ...


def _number(text: str) -> str:
    return str(float(text))


def result_rows(metric: Kpi, rows: Iterable[Sequence[str | None]]) -> list[dict[str, Any]]:
    """The query's rows as KpiResult.Rows: what has no value (a rate of nothing) is left out."""
    shaped = []
    for row in rows:
        *grouped, value = row
        if value is None or any(g is None for g in grouped):
            continue
        groups = (
            [{"Key": GROUPS[metric.group][0], "Type": "String", "Value": grouped[0]}] if metric.group else []
        )
        shaped.append(
            {"GroupedBys": groups, "Values": [{"Key": metric.key, "Type": "Double", "Value": _number(value)}]}
        )
    return shaped


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class DateRangeKpis:
    def __init__(
        self, lake: Lake, campaigns: Callable[[str, str], Mapping[str, Any]], clock: Callable[[], float]
    ) -> None:
        self.lake = lake
        self.campaigns = campaigns  # get(app_id, campaign_id): NotFoundError for none
        self.clock = clock

    def application(
        self, app_id: str, kpi_name: str, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Any]:
        """ApplicationDateRangeKpiResponse."""
        metric = kpi("application", kpi_name)
        first, last = date_range(start, end, datetime.fromtimestamp(self.clock(), UTC))
        rows = self._rows(metric, query(metric, app_id, first, last))
        return {
            "ApplicationId": app_id,
            "KpiName": kpi_name,
            "KpiResult": {"Rows": rows},
            "StartTime": _iso(first),
            "EndTime": _iso(last),
        }

    def campaign(
        self,
        app_id: str,
        campaign_id: str,
        kpi_name: str,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> dict[str, Any]:
        """CampaignDateRangeKpiResponse."""
        metric = kpi("campaign", kpi_name)
        first, last = date_range(start, end, datetime.fromtimestamp(self.clock(), UTC))
        self.campaigns(app_id, campaign_id)
        rows = self._rows(metric, query(metric, app_id, first, last, campaign_id))
        return {
            "ApplicationId": app_id,
            "CampaignId": campaign_id,
            "KpiName": kpi_name,
            "KpiResult": {"Rows": rows},
            "StartTime": _iso(first),
            "EndTime": _iso(last),
        }

    def _rows(self, metric: Kpi, found: Query) -> list[dict[str, Any]]:
        _columns, rows = self.lake.rows(found.sql, found.parameters)
        return result_rows(metric, rows)
