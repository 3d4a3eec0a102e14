"""The report's journeys: each drawn as columns of activity cards (engage.journeys.canvas), every
figure the engine's counters as the Pinpoint API answers them, in the campaign report's style."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from engage.journeys.canvas import Node

STYLE = """
.journey { border: 1px solid #ddd; border-radius: 8px; padding: .8em 1em; margin-bottom: 1.2em; }
.journey h3 { margin: 0 0 .6em; font-size: 1em; }
.canvas { display: flex; gap: 1.4em; overflow-x: auto; align-items: flex-start; }
.column { display: flex; flex-direction: column; gap: .8em; min-width: 190px; }
.activity { border: 1px solid #bbb; border-left: 4px solid #3b6ea8; border-radius: 6px; padding: .4em .6em; }
.activity h4 { margin: 0; font-size: .95em; } .activity .kind { color: #666; font-size: .85em; }
.activity dl { display: grid; grid-template-columns: auto auto; gap: 0 .8em; margin: .3em 0 0; }
.activity dt { color: #555; } .activity dd { margin: 0; text-align: right; }
.activity .next { color: #666; font-size: .85em; margin: .3em 0 0; }
"""


def _figures(node: Node) -> list[tuple[str, int]]:
    shown = [("entered", node.entered), ("waiting", node.waiting), ("moved on", node.moved_on)]
    if node.held_out:
        shown.append(("held out", node.held_out))
    shown += [(f"branch {name.removeprefix('Branch_')}", n) for name, n in node.branches.items()]
    if (
        node.sent
        or node.skipped
        or node.failed
        or node.kind in ("EMAIL", "SMS", "PUSH", "CUSTOM", "ContactCenter")
    ):
        shown.append(("sent", node.sent))
        shown += [(f"skipped: {reason.lower().replace('_', ' ')}", n) for reason, n in node.skipped.items()]
        shown += [(f"failed: {reason.lower().replace('_', ' ')}", n) for reason, n in node.failed.items()]
    return shown


def _card(node: Node) -> str:
    rows = "".join(f"<dt>{html.escape(label)}</dt><dd>{n}</dd>" for label, n in _figures(node))
    following = ", ".join(html.escape(n) for n in node.next) or "the end"
    return (
        f'<div class="activity" data-activity="{html.escape(node.activity_id)}">'
        f"<h4>{html.escape(node.activity_id)}</h4>"
        f'<div class="kind">{html.escape(node.kind or "unknown")}</div>'
        f'<dl>{rows}</dl><p class="next">→ {following}</p></div>'
    )


def journeys_section(journeys: Sequence[tuple[Mapping[str, Any], list[list[Node]]]]) -> str:
    """One card per activity, in columns by distance from the start."""
    if not journeys:
        return "<p>No journeys yet.</p>"
    drawn = []
    for journey, columns in journeys:
        name = html.escape(f"{journey.get('Name', '')} ({journey['Id']}, {journey.get('State', '')})")
        canvas = "".join(
            f'<div class="column">{"".join(_card(n) for n in column)}</div>' for column in columns
        )
        drawn.append(
            f'<section class="journey" data-journey="{html.escape(journey["Id"])}">'
            f'<h3>{name}</h3><div class="canvas">{canvas}</div></section>'
        )
    return "".join(drawn)


def canvases(
    dynamodb: Any, outputs: Mapping[str, str], app: str | None = None
) -> list[tuple[dict[str, Any], Any]]:
    """Every journey of the stack (or of one application) with its canvas, read from the journeys
    table and the participants' counters (the same counters the API's metrics answer from)."""
    from engage.adapters.dynamodb.journeys import DynamoJourneyStore
    from engage.adapters.dynamodb.participants import DynamoParticipants
    from engage.journeys.canvas import columns

    if "JourneysTableName" not in outputs or "JourneyParticipantsTableName" not in outputs:
        return []
    participants = DynamoParticipants(outputs["JourneyParticipantsTableName"], dynamodb)
    journeys = [
        j
        for j in DynamoJourneyStore(outputs["JourneysTableName"], dynamodb).all()
        if app is None or j["ApplicationId"] == app
    ]
    journeys.sort(key=lambda j: (j["ApplicationId"], j.get("CreationDate", ""), j["Id"]))
    return [(j, columns(j, participants.counts(j["ApplicationId"], j["Id"]))) for j in journeys]
