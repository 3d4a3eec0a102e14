"""A journey drawn as columns of activities, with each activity's figures from the engine's counters
(engage.journeys.metrics, what GetJourneyExecutionActivityMetrics answers): how many entered it,
are waiting in it, moved on from it, and, for a message, were sent, skipped or failed. The campaign
report draws it; the figures are the API's, never recomputed elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engage.journeys.engine import MESSAGE_ACTIVITIES, kind_of
from engage.journeys.metrics import activity_metrics

FAILED = ("FAILURE_PERMANENT", "CUSTOM_DELIVERY_FAILURE", "UNCERTAIN")
NOT_SENDS = ("TOTAL", "WAITING", "WAIT_COMPLETED", "WAIT_DATE_PASSED", "HOLDOUT", "UNSUPPORTED_ACTIVITY")


@dataclass(frozen=True)
class Node:
    activity_id: str
    kind: str
    entered: int
    waiting: int
    moved_on: int
    sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # by journey_send_status
    failed: dict[str, int] = field(default_factory=dict)
    branches: dict[str, int] = field(default_factory=dict)  # Branch_n: how many took it
    held_out: int = 0
    next: tuple[str, ...] = ()  # the activities it leads to


def next_activities(activity: Mapping[str, Any]) -> tuple[str, ...]:
    part = activity.get(kind_of(activity)) or {}
    found = [part.get(k) for k in ("NextActivity", "TrueActivity", "FalseActivity", "DefaultActivity")]
    found += [b.get("NextActivity") for b in part.get("Branches") or []]
    return tuple(dict.fromkeys(a for a in found if a))


def node(activity_id: str, activity: Mapping[str, Any], counts: Mapping[str, int]) -> Node:
    figures = activity_metrics(activity_id, counts)
    kind = kind_of(activity)
    total, waiting = figures.get("TOTAL", 0), figures.get("WAITING", 0)
    if kind in ("ConditionalSplit", "MultiCondition"):  # counted in TOTAL once judged
        entered, moved_on = total + waiting, total
    else:
        left = figures.get("HOLDOUT", 0) + figures.get("UNSUPPORTED_ACTIVITY", 0)
        entered, moved_on = total, total - waiting - left
    sends = {k: n for k, n in figures.items() if k not in NOT_SENDS and not k.startswith("Branch_")}
    return Node(
        activity_id,
        kind,
        entered,
        waiting,
        max(0, moved_on),
        sent=sends.pop("SUCCESS", 0) if kind in MESSAGE_ACTIVITIES else 0,
        skipped={k: n for k, n in sends.items() if k not in FAILED},
        failed={k: n for k, n in sends.items() if k in FAILED},
        branches={k: n for k, n in sorted(figures.items()) if k.startswith("Branch_")},
        held_out=figures.get("HOLDOUT", 0),
        next=next_activities(activity),
    )


def columns(journey: Mapping[str, Any], counts: Mapping[str, int]) -> list[list[Node]]:
    """The activities by their distance from the start (breadth first); any an activity does not
    lead to come last."""
    activities = journey.get("Activities") or {}
    placed: dict[str, int] = {}
    line = [(journey.get("StartActivity"), 0)]
    while line:
        activity_id, depth = line.pop(0)
        if not activity_id or activity_id in placed or activity_id not in activities:
            continue
        placed[activity_id] = depth
        line += [(n, depth + 1) for n in next_activities(activities[activity_id])]
    last = max(placed.values(), default=-1) + 1
    drawn: list[list[Node]] = [[] for _ in range(last + (len(placed) < len(activities)))]
    for activity_id, activity in activities.items():
        drawn[placed.get(activity_id, last)].append(node(activity_id, activity, counts))
    return drawn


def canvas_response(journey: Mapping[str, Any], counts: Mapping[str, int], evaluated: str) -> dict[str, Any]:
    """The journey's canvas as the console's route answers it: its columns of activities, each with
    the figures the campaign report draws (the same `columns`, from the same counters)."""
    return {
        "ApplicationId": journey["ApplicationId"],
        "JourneyId": journey["Id"],
        "Name": journey.get("Name"),
        "State": journey.get("State"),
        "StartActivity": journey.get("StartActivity"),
        "LastEvaluatedTime": evaluated,
        "Columns": [[_pascal_node(n) for n in column] for column in columns(journey, counts)],
    }


def _pascal_node(found: Node) -> dict[str, Any]:
    return {
        "ActivityId": found.activity_id,
        "Kind": found.kind,
        "Entered": found.entered,
        "Waiting": found.waiting,
        "MovedOn": found.moved_on,
        "Sent": found.sent,
        "Skipped": dict(found.skipped),
        "Failed": dict(found.failed),
        "Branches": dict(found.branches),
        "HeldOut": found.held_out,
        "Next": list(found.next),
    }
