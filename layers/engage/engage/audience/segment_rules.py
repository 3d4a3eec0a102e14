"""Event-driven segments (A13, rebuilt): rules from configuration turn engagement events into
changes of endpoint attributes, so dimensional segments follow behaviour in near real time. A rule
names an event type and what it does to one attribute of the event's endpoint: `set` replaces the
values, `append` adds a value (once), `remove` takes a value out (the attribute goes when none is
left). A value is a literal or `$attributes.<name>` / `$metrics.<name>` of the event. Rules are
applied per endpoint and batch: one read and one write per endpoint, whatever the batch holds. The
write is conditional on the endpoint's version as read: when another writer (an import, the API,
another shard's batch) changed the endpoint in between, it is read again and the batch's changes
applied to what it holds now, so neither update is lost."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.errors import NotFoundError, ValidationError

ACTIONS = ("set", "append", "remove")


@dataclass(frozen=True)
class Rule:
    event_type: str
    action: str
    attribute: str
    value: str  # a literal, or $attributes.<name> / $metrics.<name>

    def value_of(self, record: Mapping[str, Any]) -> str | None:
        if self.value.startswith("$attributes."):
            found = (record.get("attributes") or {}).get(self.value.removeprefix("$attributes."))
        elif self.value.startswith("$metrics."):
            found = (record.get("metrics") or {}).get(self.value.removeprefix("$metrics."))
            found = None if found is None else f"{found:g}" if isinstance(found, float) else str(found)
        else:
            found = self.value
        return None if found in (None, "") else str(found)


def parse_rules(text: str | Sequence[Mapping[str, Any]]) -> list[Rule]:
    """`[{"event_type": "_email.open", "set": {"opened_email": "true"}}, ...]`: each entry one event
    type and one or more actions, each action a map of attribute name to value."""
    document = json.loads(text) if isinstance(text, str) else text
    if not isinstance(document, list):
        raise ValidationError("rules", "a list of {event_type, set|append|remove}")
    rules = []
    for index, entry in enumerate(document):
        where = f"rules[{index}]"
        if (
            not isinstance(entry, Mapping)
            or not isinstance(entry.get("event_type"), str)
            or not entry["event_type"]
        ):
            raise ValidationError(f"{where}.event_type", "name the event type the rule reacts to")
        unknown = set(entry) - {"event_type", *ACTIONS}
        if unknown:
            raise ValidationError(
                where, f"unknown key(s) {', '.join(sorted(unknown))}; use {', '.join(ACTIONS)}"
            )
        actions = [(a, entry[a]) for a in ACTIONS if a in entry]
        if not actions:
            raise ValidationError(where, f"give one of {', '.join(ACTIONS)}")
        for action, targets in actions:
            if not isinstance(targets, Mapping) or not targets:
                raise ValidationError(f"{where}.{action}", "a map of attribute name to value")
            for attribute, value in targets.items():
                if not isinstance(value, (str, int, float)) or value == "":
                    raise ValidationError(f"{where}.{action}.{attribute}", "a value or $attributes.<name>")
                text = str(value).lower() if isinstance(value, bool) else str(value)
                rules.append(Rule(entry["event_type"], action, str(attribute), text))
    return rules


@dataclass
class Pending:
    """An endpoint's attribute changes from one batch, in stream order, and the records they came from."""

    operations: list[tuple[str, str, str]] = field(default_factory=list)  # (action, attribute, value)
    records: list[str] = field(default_factory=list)


def plan(
    records: Iterable[tuple[str, Mapping[str, Any]]], rules: Sequence[Rule]
) -> dict[tuple[str, str], Pending]:
    """(record id, event record) pairs to the changes per (application, endpoint)."""
    by_type: dict[str, list[Rule]] = {}
    for rule in rules:
        by_type.setdefault(rule.event_type, []).append(rule)
    pending: dict[tuple[str, str], Pending] = {}
    for record_id, record in records:
        matching = by_type.get(str(record.get("event_type")), [])
        app_id = (record.get("application") or {}).get("app_id")
        endpoint_id = (record.get("client") or {}).get("client_id")
        if not matching or not app_id or not endpoint_id:
            continue
        entry = pending.setdefault((app_id, endpoint_id), Pending())
        entry.records.append(record_id)
        for rule in matching:
            value = rule.value_of(record)
            if value is not None:
                entry.operations.append((rule.action, rule.attribute, value))
    return pending


def changed_attributes(
    current: Mapping[str, list[str]], operations: Sequence[tuple[str, str, str]]
) -> dict[str, list[str]]:
    """The attributes to write (an empty list removes one) after the operations, in order."""
    values = {name: list(current.get(name, [])) for _action, name, _value in operations}
    for action, name, value in operations:
        if action == "set":
            values[name] = [value]
        elif action == "append" and value not in values[name]:
            values[name].append(value)
        elif action == "remove":
            values[name] = [v for v in values[name] if v != value]
    return {name: v for name, v in values.items() if v != list(current.get(name, []))}


class Endpoints(Protocol):
    def modify(
        self,
        app_id: str,
        endpoint_id: str,
        change: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
    ) -> Any:
        """Optimistic read-modify-write (engage.contacts.ContactStore.modify): `change` computes the
        UpdateEndpoint request from the endpoint as stored, and is asked again on a lost race; None
        when it had nothing to change; NotFoundError when the endpoint does not exist."""
        ...


@dataclass
class Applied:
    updated: int = 0
    unchanged: int = 0
    missing: int = 0  # events of endpoints that do not exist (nothing to segment)
    refused: list[str] = field(default_factory=list)  # reasons a change can never apply
    failed: list[str] = field(default_factory=list)  # record ids to retry
    errors: list[str] = field(default_factory=list)  # why, one line per endpoint whose write failed


def apply(pending: Mapping[tuple[str, str], Pending], endpoints: Endpoints) -> Applied:
    applied = Applied()
    for (app_id, endpoint_id), entry in pending.items():
        if not entry.operations:
            continue

        def change(current: Mapping[str, Any], operations: list = entry.operations) -> dict[str, Any] | None:
            update = changed_attributes(current.get("Attributes") or {}, operations)
            return {"Attributes": update} if update else None

        try:
            written = endpoints.modify(app_id, endpoint_id, change)
        except (NotFoundError, LookupError):
            applied.missing += 1
            continue
        except ValidationError as exc:  # over a quota, say: retrying changes nothing
            applied.refused.append(f"{endpoint_id}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - the store failed (or kept losing races): retried
            applied.failed.extend(entry.records)
            applied.errors.append(f"{endpoint_id}: {type(exc).__name__}: {exc}")
            continue
        if written is None:
            applied.unchanged += 1
        else:
            applied.updated += 1
    return applied
