"""Removing a deleted application's data, resumably: each store's items of the application
(`TableSweep`: the key prefixes its adapter writes for that application) and its objects
(`ObjectSweep`: a bucket prefix), one after another, for as long as the invocation has time. The
progress (what each store has removed, where an unfinished sweep stands) is saved after every
step, so the next invocation carries on where this one stopped and a repeated one removes nothing
twice. What stays is said in `Kept`: erasure markers (keyed hashes, no address in clear, which keep
an erased person suppressed should the application's id come back) and the event lake (the
customer's event-stream copy, aged out by its own retention, as Pinpoint's event stream was)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engage import clock
from engage.errors import NotFoundError

KEPT = (
    "erasure markers in the suppression list (keyed hashes only)",
    "events already in the event stream and the event lake (their own retention applies)",
)


@dataclass(frozen=True)
class TableSweep:
    """One table's items of one application: partition keys equal to one of `keys` or starting with
    one of `prefixes` (or with the application's id in `app_attribute`), except keys starting with
    one of `keep`."""

    name: str
    table: str
    app_id: str
    prefixes: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    key_names: tuple[str, ...] = ("pk",)  # the table's key attributes (partition, then sort)
    app_attribute: str | None = None  # also items whose attribute of this name holds the app id


@dataclass(frozen=True)
class ObjectSweep:
    name: str
    bucket: str
    prefix: str


class TableSweeper(Protocol):
    def sweep(self, sweep: TableSweep, cursor: Any, time_left: Callable[[], bool]) -> tuple[int, Any]:
        """Deletes the sweep's items a page at a time while `time_left()`; (items removed, where to
        carry on, or None when the table is done)."""
        ...


class ObjectSweeper(Protocol):
    def sweep(self, sweep: ObjectSweep, time_left: Callable[[], bool]) -> tuple[int, bool]:
        """Deletes the prefix's objects while `time_left()`; (objects removed, done)."""
        ...


class RemovalProgress(Protocol):
    def removal(self, app_id: str) -> dict[str, Any] | None: ...
    def save_removal(self, app_id: str, removal: dict[str, Any]) -> None: ...


def remove_application_data(
    app_id: str,
    plan: Sequence[TableSweep | ObjectSweep],
    tables: TableSweeper,
    objects: ObjectSweeper,
    progress: RemovalProgress,
    time_left: Callable[[], bool],
) -> dict[str, Any]:
    """Carries the application's removal on; returns its progress (`Status` COMPLETED when every
    step is done, else IN_PROGRESS: invoke again)."""
    state = progress.removal(app_id)
    if state is None:  # never a live application's data: only what DeleteApp marked for removal
        raise NotFoundError(f"application {app_id!r} was not deleted: nothing to remove")
    if state.get("Status") == "COMPLETED":
        return state
    state.setdefault("Status", "IN_PROGRESS")
    state.setdefault("Started", clock.iso_now())
    state.setdefault("Removed", {})
    state.setdefault("Done", [])
    state.setdefault("Cursors", {})
    state["Kept"] = list(KEPT)
    for step in plan:
        if step.name in state["Done"]:
            continue
        if not time_left():
            break
        if isinstance(step, TableSweep):
            removed, cursor = tables.sweep(step, state["Cursors"].get(step.name), time_left)
            finished = cursor is None
            if finished:
                state["Cursors"].pop(step.name, None)
            else:
                state["Cursors"][step.name] = cursor
        else:
            removed, finished = objects.sweep(step, time_left)
        state["Removed"][step.name] = state["Removed"].get(step.name, 0) + removed
        if finished:
            state["Done"].append(step.name)
        progress.save_removal(app_id, state)
    if all(step.name in state["Done"] for step in plan):
        state["Status"] = "COMPLETED"
        state["Completed"] = clock.iso_now()
        state.pop("Cursors", None)
        progress.save_removal(app_id, state)
    return state


@dataclass
class RemovalStep:
    """One invocation's part of a deleted application's removal: as much as time allows, then the
    removal asked for again when some is left."""

    remove: Callable[[str, Callable[[], bool]], dict[str, Any]]  # remove_application_data, bound
    again: Callable[[Mapping[str, Any]], object]  # the removal queue's starter

    def carry_on(self, app_id: str, time_left: Callable[[], bool]) -> dict[str, Any]:
        removal = self.remove(app_id, time_left)
        if removal["Status"] != "COMPLETED":
            self.again({"ApplicationId": app_id})
        return removal
