"""The campaign report: figures read from the lake's views (the same SQL on DuckDB or Athena) and
one static HTML page with inline SVG charts: per campaign the email funnel (sent, delivered,
opened, clicked) with bounces, complaints and unsubscribes, email activity per day, and SMS
delivery and cost; and each journey drawn with its activities' figures (journey_drawing). No
script and no download: the page opens anywhere, mail attachments included."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engage_cli.lake.journey_drawing import STYLE as JOURNEY_STYLE
from engage_cli.lake.journey_drawing import journeys_section

Run = Callable[[str], list[dict[str, Any]]]  # SQL in Athena's dialect -> rows as records

EMAIL_FUNNEL = """
SELECT
  campaign_id,
  arbitrary(campaign_name) AS campaign_name,
  count(DISTINCT IF(event_type = '_email.send', endpoint_id)) AS sent,
  count(DISTINCT IF(event_type = '_email.delivered', endpoint_id)) AS delivered,
  count(DISTINCT IF(event_type = '_email.open', endpoint_id)) AS opened,
  count(DISTINCT IF(event_type = '_email.click', endpoint_id)) AS clicked,
  count(DISTINCT IF(event_type = '_email.hardbounce', endpoint_id)) AS hard_bounces,
  count(DISTINCT IF(event_type = '_email.softbounce', endpoint_id)) AS soft_bounces,
  count(DISTINCT IF(event_type = '_email.complaint', endpoint_id)) AS complaints,
  count(DISTINCT IF(event_type = '_email.unsubscribe', endpoint_id)) AS unsubscribes,
  count(DISTINCT IF(event_type = '_email.rejected', endpoint_id)) AS rejected
FROM email_all_events
WHERE campaign_id IS NOT NULL {where}
GROUP BY campaign_id
ORDER BY campaign_id
"""

EMAIL_DAYS = """
SELECT
  date_format(event_timestamp, '%Y-%m-%d') AS day,
  count_if(event_type = '_email.send') AS sent,
  count_if(event_type = '_email.delivered') AS delivered,
  count_if(event_type = '_email.open') AS opened,
  count_if(event_type = '_email.click') AS clicked
FROM email_all_events
WHERE campaign_id IS NOT NULL {where}
GROUP BY 1
ORDER BY 1
"""

SMS_DELIVERY = """
SELECT
  campaign_id,
  arbitrary(campaign_name) AS campaign_name,
  count(DISTINCT IF(event_type = '_SMS.BUFFERED', endpoint_id)) AS sent,
  count(DISTINCT IF(event_type = '_SMS.SUCCESS', endpoint_id)) AS delivered,
  count(DISTINCT IF(event_type = '_SMS.FAILURE', endpoint_id)) AS failed,
  count(DISTINCT IF(event_type = '_SMS.OPTOUT', endpoint_id)) AS opted_out,
  coalesce(sum(price_in_millicents_usd), 0) / 100000 AS cost_usd
FROM sms_all_events
WHERE campaign_id IS NOT NULL {where}
GROUP BY campaign_id
ORDER BY campaign_id
"""


@dataclass(frozen=True)
class Report:
    email: list[dict[str, Any]]
    days: list[dict[str, Any]]
    sms: list[dict[str, Any]]
    application: str | None = None
    journeys: list[tuple[dict[str, Any], list[list[Any]]]] = field(default_factory=list)  # journey, canvas
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def figures(run: Run, application: str | None = None) -> Report:
    """The report's figures, from the views through `run` (numbers as numbers on either engine)."""
    where = f"AND application_id = '{_literal(application)}'" if application else ""
    return Report(
        email=[_numbers(r) for r in run(EMAIL_FUNNEL.format(where=where))],
        days=[_numbers(r) for r in run(EMAIL_DAYS.format(where=where))],
        sms=[_numbers(r) for r in run(SMS_DELIVERY.format(where=where))],
        application=application,
    )


def _literal(value: str) -> str:
    if not value.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"not an application id: {value!r}")
    return value


def _numbers(row: Mapping[str, Any]) -> dict[str, Any]:
    """Athena answers text; counts and costs become numbers again."""
    converted: dict[str, Any] = {}
    for key, value in row.items():
        if key in ("campaign_id", "campaign_name", "day") or value is None:
            converted[key] = value
        else:
            number = float(value)
            converted[key] = int(number) if key != "cost_usd" else round(number, 5)
    return converted


def _rate(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "-"


# --- rendering ------------------------------------------------------------------------------------
COLOURS = {
    "sent": "#3b6ea8",
    "delivered": "#4f9a7a",
    "opened": "#e0a030",
    "clicked": "#c8553d",
    "failed": "#c8553d",
    "opted_out": "#8d6cab",
}


def _funnel_svg(row: Mapping[str, Any]) -> str:
    steps = ["sent", "delivered", "opened", "clicked"]
    top = max(row["sent"], 1)
    bars = []
    for i, step in enumerate(steps):
        width = 360 * row[step] / top
        y = 8 + i * 30
        bars.append(
            f'<rect x="90" y="{y}" width="{width:.1f}" height="22" fill="{COLOURS[step]}" rx="3"/>'
            f'<text x="84" y="{y + 15}" text-anchor="end">{step}</text>'
            f'<text x="{96 + width:.1f}" y="{y + 15}">{row[step]} ({_rate(row[step], row["sent"])})</text>'
        )
    return f'<svg viewBox="0 0 520 130" class="chart" role="img" aria-label="funnel">{"".join(bars)}</svg>'


def _days_svg(days: Sequence[Mapping[str, Any]]) -> str:
    if not days:
        return "<p>No email activity yet.</p>"
    steps = ["sent", "delivered", "opened", "clicked"]
    top = max(max(d[s] for s in steps) for d in days) or 1
    width, height, left, bottom = 520, 180, 40, 150
    step_x = (width - left - 20) / max(len(days) - 1, 1)

    def point(i: int, value: float) -> str:
        return f"{left + i * step_x:.1f},{bottom - (bottom - 10) * value / top:.1f}"

    lines = [
        f'<polyline fill="none" stroke="{COLOURS[s]}" stroke-width="2.5" '
        f'points="{" ".join(point(i, d[s]) for i, d in enumerate(days))}"/>'
        + "".join(f'<circle cx="{point(i, d[s]).split(",")[0]}" cy="{point(i, d[s]).split(",")[1]}" r="3" '
                  f'fill="{COLOURS[s]}"/>' for i, d in enumerate(days))
        for s in steps
    ]  # fmt: skip
    labels = "".join(
        f'<text x="{left + i * step_x:.1f}" y="{bottom + 18}" text-anchor="middle">'
        f"{html.escape(d['day'])}</text>"
        for i, d in enumerate(days)
    )
    legend = "".join(
        f'<rect x="{left + i * 90}" y="0" width="10" height="10" fill="{COLOURS[s]}"/>'
        f'<text x="{left + 14 + i * 90}" y="9">{s}</text>'
        for i, s in enumerate(steps)
    )
    axis = f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="#999"/>'
    return (
        f'<svg viewBox="0 0 {width} {height + 10}" class="chart" role="img" aria-label="email per day">'
        f"{axis}{''.join(lines)}{labels}{legend}</svg>"
    )


def _sms_svg(row: Mapping[str, Any]) -> str:
    total = max(row["sent"], 1)
    x, parts = 0.0, []
    for step in ("delivered", "failed", "opted_out"):
        width = 440 * row[step] / total
        if width:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{width:.1f}" height="24" fill="{COLOURS[step]}"/>')
        x += width
    legend = " · ".join(f"{s.replace('_', ' ')} {row[s]}" for s in ("delivered", "failed", "opted_out"))
    return (
        f'<svg viewBox="0 0 440 24" class="bar" role="img" aria-label="sms delivery">{"".join(parts)}</svg>'
        f'<div class="legend">{html.escape(legend)} of {row["sent"]} sent</div>'
    )


def _name(row: Mapping[str, Any]) -> str:
    name = row.get("campaign_name")
    return html.escape(f"{name} ({row['campaign_id']})" if name else str(row["campaign_id"]))


PROBLEMS = (  # label, figure, and what its rate is of
    ("hard bounces", "hard_bounces", "sent"),
    ("soft bounces", "soft_bounces", "sent"),
    ("complaints", "complaints", "delivered"),
    ("unsubscribes", "unsubscribes", "delivered"),
    ("rejected", "rejected", None),
)
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 1100px; margin: 2em auto; }
h1 { font-weight: 600; margin-bottom: .2em; } .meta { color: #666; margin-top: 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1.2em; }
.campaign { border: 1px solid #ddd; border-radius: 8px; padding: .8em 1em; }
.campaign h3 { margin: 0 0 .4em; font-size: 1em; }
.chart { width: 100%; font-size: 12px; }
.bar { width: 100%; height: 24px; border-radius: 4px; background: #eee; }
.problems td, .problems th { padding: .1em .8em .1em 0; text-align: left; }
.legend, .cost { color: #444; }
"""


def render(report: Report) -> str:
    """The report as one self-contained HTML page."""
    email_sections = []
    for row in report.email:
        problems = "".join(
            f"<tr><td>{label}</td><td>{row[key]}</td>"
            f"<td>{_rate(row[key], row[base]) if base else ''}</td></tr>"
            for label, key, base in PROBLEMS
        )
        email_sections.append(
            f'<section class="campaign" data-campaign="{html.escape(str(row["campaign_id"]))}">'
            f"<h3>{_name(row)}</h3>{_funnel_svg(row)}"
            '<table class="problems"><tr><th></th><th>people</th><th>rate</th></tr>'
            f"{problems}</table></section>"
        )
    sms_rows = "".join(
        f'<section class="campaign" data-campaign="{html.escape(str(r["campaign_id"]))}">'
        f"<h3>{_name(r)}</h3>"
        f'{_sms_svg(r)}<p class="cost">cost <b>${r["cost_usd"]:.4f}</b> '
        f"({_rate(r['delivered'], r['sent'])} delivered)</p></section>"
        for r in report.sms
    )
    scope = f"application {html.escape(report.application)}" if report.application else "all applications"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Campaign report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}{JOURNEY_STYLE}</style></head><body>
<h1>Campaign report</h1>
<p class="meta">{scope} · generated {report.generated_at:%Y-%m-%d %H:%M} UTC from the event lake's views</p>
<h2>Email: the funnel per campaign</h2>
<div class="grid">{"".join(email_sections) or "<p>No email campaigns yet.</p>"}</div>
<h2>Email per day</h2>
{_days_svg(report.days)}
<h2>SMS: delivery and cost per campaign</h2>
<div class="grid">{sms_rows or "<p>No SMS campaigns yet.</p>"}</div>
<h2>Journeys: each activity</h2>
{journeys_section(report.journeys)}
</body></html>
"""
