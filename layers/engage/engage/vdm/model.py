"""The monthly VDM export (A3, rebuilt): which calendar month a run covers, the SES v2 export jobs
that cover it (at most 10 metrics per job, every configured dimension in each), the totals a
stakeholder reads in the summary, and the summary or failure notice itself."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from engage.errors import EngageError, ValidationError

METRIC_NAMES = (
    "SEND",
    "COMPLAINT",
    "PERMANENT_BOUNCE",
    "TRANSIENT_BOUNCE",
    "OPEN",
    "CLICK",
    "DELIVERY",
    "DELIVERY_OPEN",
    "DELIVERY_CLICK",
    "DELIVERY_COMPLAINT",
)
AGGREGATIONS = ("VOLUME", "RATE")
DIMENSION_NAMES = ("EMAIL_IDENTITY", "CONFIGURATION_SET", "ISP")
METRICS_PER_JOB = 10  # SES v2 MetricsDataSource.Metrics holds at most 10
MAX_DIMENSION_VALUES = 10
DATA_FORMATS = ("CSV", "JSON")
SEND_VOLUME = {"Name": "SEND", "Aggregation": "VOLUME"}  # what every RATE is relative to
# The fields of an export's record besides its dimension columns (events/aws/vdm/).
RECORD_FIELDS = ("Timestamp", "Name", "Aggregation", "Value")


class VdmNotEnabledError(EngageError):
    """The account has Virtual Deliverability Manager off: SES exports no metrics without it."""


@dataclass(frozen=True)
class Month:
    start: datetime  # the first instant of the month, UTC
    end: datetime  # the first instant of the next month (exclusive)

    @property
    def label(self) -> str:
        return self.start.strftime("%Y-%m")


def month_of(label: str) -> Month:
    """The month a `YYYY-MM` label names."""
    try:
        first = datetime.strptime(label, "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValidationError("Month", f"{label!r} is not YYYY-MM") from exc
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Month(first, datetime(following.year, following.month, 1, tzinfo=UTC))


def previous_month(scheduled: datetime) -> Month:
    """The whole calendar month before the one `scheduled` falls in (a run on the 1st of November
    at 06:00 covers October), in UTC whatever zone the schedule fired in."""
    moment = scheduled.astimezone(UTC)
    year, month = (moment.year, moment.month - 1) if moment.month > 1 else (moment.year - 1, 12)
    return month_of(f"{year:04d}-{month:02d}")


def parse_metrics(spec: Iterable[str]) -> list[dict[str, str]]:
    """`NAME:AGGREGATION` items (`SEND:VOLUME`, `DELIVERY:RATE`, ...) as ExportMetric objects; an
    item without an aggregation is its VOLUME. Duplicates are dropped, order kept."""
    metrics: list[dict[str, str]] = []
    for item in (s.strip() for s in spec):
        if not item:
            continue
        name, _, aggregation = item.upper().partition(":")
        aggregation = aggregation or "VOLUME"
        if name not in METRIC_NAMES:
            raise ValidationError("Metrics", f"{name!r} is not a VDM metric ({', '.join(METRIC_NAMES)})")
        if aggregation not in AGGREGATIONS:
            raise ValidationError("Metrics", f"{item!r}: the aggregation is VOLUME or RATE")
        metric = {"Name": name, "Aggregation": aggregation}
        if metric not in metrics:
            metrics.append(metric)
    if not metrics:
        raise ValidationError("Metrics", "name at least one metric")
    return metrics


def parse_dimensions(spec: Iterable[str]) -> dict[str, list[str]]:
    """`NAME=value|value` items (`EMAIL_IDENTITY=*`, `ISP=Gmail|Yahoo`) as the Dimensions map: 1 to 3
    dimensions, each with 1 to 10 values."""
    dimensions: dict[str, list[str]] = {}
    for item in (s.strip() for s in spec):
        if not item:
            continue
        name, _, values = item.partition("=")
        name = name.strip().upper()
        if name not in DIMENSION_NAMES:
            raise ValidationError(
                "Dimensions", f"{name!r} is not a VDM dimension ({', '.join(DIMENSION_NAMES)})"
            )
        chosen = [v.strip() for v in values.split("|") if v.strip()] or ["*"]
        if len(chosen) > MAX_DIMENSION_VALUES:
            raise ValidationError("Dimensions", f"{name}: at most {MAX_DIMENSION_VALUES} values")
        dimensions[name] = chosen
    if not 1 <= len(dimensions) <= 3:
        raise ValidationError("Dimensions", "give 1 to 3 dimensions")
    return dimensions


def export_requests(
    month: Month, metrics: list[dict[str, str]], dimensions: dict[str, list[str]], data_format: str
) -> list[dict[str, Any]]:
    """One CreateExportJob request per 10 metrics, each covering the whole month and every dimension
    (dates as ISO strings: the caller's SDK turns them into timestamps). A RATE is relative to the
    SEND volume, so every job that exports a rate exports SEND:VOLUME too (added when it was not
    asked for): the month's rate is the rates weighted by the sends they are relative to."""
    if data_format not in DATA_FORMATS:
        raise ValidationError("DataFormat", "CSV or JSON")
    if any(m["Aggregation"] == "RATE" for m in metrics):
        others = [m for m in metrics if m != SEND_VOLUME]
        step = METRICS_PER_JOB - 1
        chunks = [[dict(SEND_VOLUME), *others[i : i + step]] for i in range(0, len(others), step)]
    else:
        chunks = [metrics[i : i + METRICS_PER_JOB] for i in range(0, len(metrics), METRICS_PER_JOB)]
    return [
        {
            "ExportDataSource": {
                "MetricsDataSource": {
                    "Namespace": "VDM",
                    "Dimensions": dimensions,
                    "Metrics": chunk,
                    "StartDate": month.start.isoformat(),
                    "EndDate": month.end.isoformat(),
                }
            },
            "ExportDestination": {"DataFormat": data_format},
        }
        for chunk in chunks
    ]


def label_of(metric: Mapping[str, str]) -> str:
    """How the summary names a metric: its name and aggregation, lower case (`send_volume`)."""
    return f"{metric['Name']}_{metric['Aggregation']}".lower()


def export_rows(lines: Iterable[str], data_format: str) -> Iterator[dict[str, Any]]:
    """The records of a metrics export as SES writes them (events/aws/vdm/): a CSV with a header
    row, or JSON, one object per line (a JSON array is read too). Each record is one metric of one
    day and combination of dimension values: `Timestamp`, a column per exported dimension
    (`EMAIL_IDENTITY`, `CONFIGURATION_SET`, `ISP`), then `Name`, `Aggregation` and `Value`."""
    if data_format == "JSON":
        lines = iter(lines)
        for line in lines:
            if not line.strip():
                continue
            if line.lstrip().startswith("["):
                records = json.loads(line + "".join(lines))
                if not isinstance(records, list):
                    raise ValidationError("export", "a JSON export holds objects")
                yield from records
                return
            yield json.loads(line)
        return
    yield from csv.DictReader(lines)


class Totals:
    """A month's totals per metric, read record by record. A VOLUME is summed. A RATE is weighted
    by the SEND volume of the same day and dimension values (SES's rate is relative to it): the
    month's delivery rate is the deliveries over the sends, not the mean of the daily rates, which
    would count a day of 10 sends as much as a day of 10,000. A rate with no sends to weigh it by
    is not reported."""

    def __init__(self, metrics: list[dict[str, str]]) -> None:
        self.metrics = metrics
        self._wanted = {(m["Name"], m["Aggregation"]) for m in metrics}
        self._volumes: dict[tuple[str, str], float] = {}
        self._sends: dict[tuple[Any, ...], float] = {}
        self._rates: dict[tuple[str, str], dict[tuple[Any, ...], float]] = {}
        self._points: set[tuple[Any, ...]] = set()

    @property
    def rows(self) -> int:
        """The data points read: days times combinations of dimension values."""
        return len(self._points)

    def add(self, record: Mapping[str, Any]) -> None:
        missing = [f for f in RECORD_FIELDS if f not in record]
        if missing:
            raise ValidationError(
                "export", f"a record without {', '.join(missing)}: not a VDM metrics export"
            )
        point = tuple(
            sorted(
                (str(k), str(v)) for k, v in record.items() if k is not None and k not in RECORD_FIELDS[1:]
            )
        )
        self._points.add(point)
        metric = (str(record["Name"]).upper(), str(record["Aggregation"]).upper())
        value = record["Value"]
        if value in (None, ""):
            return
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError("export", f"{metric[0]} {metric[1]}: {value!r} is not a number") from exc
        if metric == ("SEND", "VOLUME"):
            self._sends[point] = self._sends.get(point, 0.0) + number
        if metric not in self._wanted:
            return
        if metric[1] == "VOLUME":
            self._volumes[metric] = self._volumes.get(metric, 0.0) + number
        else:
            self._rates.setdefault(metric, {})[point] = number

    def as_dict(self) -> dict[str, float | None]:
        totals: dict[str, float | None] = {}
        for metric in self.metrics:
            key = (metric["Name"], metric["Aggregation"])
            if metric["Aggregation"] == "VOLUME":
                totals[label_of(metric)] = self._volumes.get(key)
                continue
            rates = self._rates.get(key, {})
            weights = {point: self._sends.get(point, 0.0) for point in rates}
            sends = sum(weights.values())
            weighted = sum(rate * weights[point] for point, rate in rates.items())
            totals[label_of(metric)] = round(weighted / sends, 6) if sends > 0 else None
        return totals


def read_totals(
    text: io.TextIOBase | Iterable[str], metrics: list[dict[str, str]], data_format: str
) -> Totals:
    totals = Totals(metrics)
    for record in export_rows(text, data_format):
        totals.add(record)
    return totals


def _figure(label: str, value: float | None) -> str:
    if value is None:
        return f"  {label}: not in the export"
    if label.endswith("_rate"):
        return f"  {label}: {value:.2%} (weighted by send volume)"
    return f"  {label}: {int(value):,}"


def summary_notice(month_label: str, outcomes: list[Mapping[str, Any]], link_hours: float) -> dict[str, Any]:
    """The stakeholders' notice for a run: totals and a download link per export when every job
    completed; otherwise what failed, and why (a partial month is never reported as the month)."""
    failed = [o for o in outcomes if o.get("Outcome") != "COMPLETED"]
    if failed or not outcomes:
        lines = [f"The VDM export for {month_label} did not complete."]
        for outcome in failed:
            job = outcome.get("JobId", "(not created)")
            reason = outcome.get("Reason") or "no reason given"
            lines.append(f"- job {job}: {outcome.get('Outcome')}: {reason}")
        return {
            "Subject": f"VDM export {month_label}: failed",
            "Message": "\n".join(lines),
            "Failed": True,
            "Month": month_label,
        }
    lines = [f"The VDM export for {month_label} is ready."]
    for outcome in outcomes:
        lines.append(f"Export {outcome['JobId']} ({outcome.get('Rows', 0)} rows):")
        lines.extend(_figure(label, value) for label, value in outcome.get("Totals", {}).items())
        lines.append(f"  Download (for {link_hours:g} hours): {outcome['Link']}")
    return {
        "Subject": f"VDM export {month_label}: ready",
        "Message": "\n".join(lines),
        "Failed": False,
        "Month": month_label,
    }


def failure_notice(month_label: str | None, error: str, cause: str) -> dict[str, Any]:
    """The notice for a run that stopped before its jobs ran (VDM off, bad configuration, ...)."""
    what = month_label or "this month"
    reason = cause
    try:
        parsed = json.loads(cause)
        reason = parsed.get("errorMessage", cause) if isinstance(parsed, dict) else cause
    except (TypeError, ValueError):
        pass
    hint = (
        " Turn Virtual Deliverability Manager on in the SES console (or PutAccountVdmAttributes) first."
        if error == "VdmNotEnabledError"
        else ""
    )
    return {
        "Subject": f"VDM export {what}: failed",
        "Message": f"The VDM export for {what} did not run: {error}: {reason}.{hint}",
        "Failed": True,
        "Month": month_label,
    }
