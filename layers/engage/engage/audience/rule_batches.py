"""Event-driven segments (A13) on the event stream: a batch's readable records run through the
configured rules (engage.audience.segment_rules), one read and one write per endpoint per batch, counted
and logged. Records whose endpoint could not be written are returned to be retried (the rules give
the same result when applied again); a change that can never apply (over a quota) and a record that
is not an event are counted and logged, never retried."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engage.audience.segment_rules import Applied, Endpoints, Rule, apply, plan
from engage.obs import logger, metrics


@dataclass(frozen=True)
class RuleBatches:
    rules: Sequence[Rule]
    endpoints: Endpoints

    def apply(self, records: Iterable[tuple[str, Mapping[str, Any]]], unreadable: int = 0) -> Applied:
        """(record id, event record) pairs, and how many records of the batch were not events: what
        the rules did, `failed` naming the record ids to retry."""
        applied = apply(plan(records, self.rules), self.endpoints)
        for name, value in (
            ("SegmentRulesUpdated", applied.updated),
            ("SegmentRulesRefused", len(applied.refused)),
            ("SegmentRulesFailed", len(applied.failed)),
            ("SegmentRulesUnreadable", unreadable),
        ):
            metrics.add_metric(name=name, unit="Count", value=value)
        if applied.refused or unreadable or applied.failed:
            logger.warning(
                "segment rules not applied to every record",
                extra={
                    "refused": applied.refused,
                    "unreadable": unreadable,
                    "retried": len(applied.failed),
                    "errors": applied.errors,
                },
            )
        return applied
