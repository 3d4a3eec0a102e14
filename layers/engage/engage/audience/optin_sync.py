"""Opt-in sync from a customer database (the blog's RDS pattern, rebuilt): AWS DMS streams the
customer table's changes to Kinesis, and each change is applied to the contact and consent stores.
A customer is one SMS endpoint (`cdc-<key>`). Only a change of the opt-in column (`optin` 1/0, as the
endpoint last saw it in `SourceOptIn`) is a consent decision, dated by the row's `lastupdate`, and it
applies only when no later decision from any source (a STOP, an unsubscribe) exists: the person's own
word is never overridden by the database; any other change touches the endpoint's attributes only.
A change older than the one applied is ignored; a new phone number moves the endpoint and opts the
old number out of this customer's consent, so it stays reachable from nowhere; a delete removes the
endpoint and leaves a tombstone with the source's time, so an older insert or update replayed later
can't bring the customer back. A row that can never apply (no key, a number that is not a phone
number) is rejected with its reason, never dropped."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from engage.audience.phone.validation import check_offline
from engage.consent import ConsentStatus, consent_record
from engage.envelopes import json_object
from engage.errors import NotFoundError, ValidationError

SOURCE = "cdc"
LAST_UPDATE = "SourceLastUpdate"  # the row's lastupdate, kept on the endpoint to judge later changes
OPT_IN = "SourceOptIn"  # the row's opt-in column as last applied ("1" or "0"): did a change change it?
OPERATIONS = ("load", "insert", "update", "delete")


@dataclass(frozen=True)
class Columns:
    key: str = "id"
    phone: str = "phone"
    opt_in: str = "optin"
    last_update: str = "lastupdate"


@dataclass(frozen=True)
class Change:
    operation: str
    customer_id: str
    last_update: str  # ISO 8601 UTC, milliseconds
    phone: str | None = None
    opted_in: bool | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def endpoint_id(self) -> str:
        return f"cdc-{self.customer_id}"


def _instant(value: object) -> str:
    """DMS's timestamp (`2026-11-20 10:00:00.123456`, naive means UTC) as ISO 8601 UTC."""
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError("lastupdate", f"{str(value)[:40]!r} is not a timestamp") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_change(document: Any, columns: Columns = Columns()) -> Change | None:
    """A DMS Kinesis record ({"data": {...}, "metadata": {"operation", "record-type", ...}}); None for
    DMS's control records (table created, dropped, ...), which change no customer."""
    document = json_object(document, "record")
    if not isinstance(document.get("metadata"), Mapping):
        raise ValidationError("metadata", "a DMS record has data and metadata")
    metadata, data = document["metadata"], document.get("data")
    if metadata.get("record-type") == "control":
        return None
    operation = str(metadata.get("operation", "")).lower()
    if operation not in OPERATIONS:
        raise ValidationError("operation", f"{operation!r} is not one of {', '.join(OPERATIONS)}")
    if not isinstance(data, Mapping) or data.get(columns.key) in (None, ""):
        raise ValidationError(columns.key, "the row has no key")
    stamp = data.get(columns.last_update) or metadata.get("timestamp")
    if stamp in (None, ""):
        raise ValidationError(columns.last_update, "the row says when it changed")
    opt_in = data.get(columns.opt_in)
    if operation != "delete" and opt_in not in (0, 1, "0", "1", True, False):
        raise ValidationError(columns.opt_in, f"{str(opt_in)[:10]!r} is not 0 or 1")
    known = {columns.key, columns.phone, columns.opt_in, columns.last_update}
    return Change(
        operation,
        str(data[columns.key]),
        _instant(stamp),
        str(data[columns.phone]).strip() if data.get(columns.phone) not in (None, "") else None,
        None if operation == "delete" else str(opt_in) in ("1", "True"),
        {name: [str(value)] for name, value in data.items() if name not in known and value not in (None, "")},
    )


class Endpoints(Protocol):
    def get(self, app_id: str, endpoint_id: str) -> Mapping[str, Any]: ...
    def upsert(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> Any: ...
    def delete(self, app_id: str, endpoint_id: str) -> Any: ...


class Consents(Protocol):
    def record(self, record: Any) -> bool:
        """Stores the decision unless a newer one is stored; whether it applied."""
        ...

    def get(self, app_id: str, channel: str, address: str) -> Any:
        """The latest decision (with its `status`), or None."""
        ...


class Tombstones(Protocol):
    def buried_at(self, app_id: str, endpoint_id: str) -> str | None:
        """When the customer's row was deleted at the source (ISO 8601), or None."""
        ...

    def bury(self, app_id: str, endpoint_id: str, at: str) -> None:
        """Keeps the deletion's source time (a later one wins)."""
        ...


def apply_change(
    change: Change,
    app_id: str,
    endpoints: Endpoints,
    consents: Consents,
    tombstones: Tombstones,
    default_region: str | None = "US",
) -> str:
    """Applies one change; returns what happened: APPLIED, MOVED, DELETED, STALE or ABSENT."""
    try:
        existing: Mapping[str, Any] | None = endpoints.get(app_id, change.endpoint_id)
    except (NotFoundError, LookupError):
        existing = None
    applied = ((existing or {}).get("Attributes") or {}).get(LAST_UPDATE, [""])[0]
    if existing is not None and applied > change.last_update:
        return "STALE"
    buried = tombstones.buried_at(app_id, change.endpoint_id)
    if buried is not None and buried >= change.last_update:  # deleted after this change was made
        return "STALE"
    if change.operation == "delete":
        tombstones.bury(app_id, change.endpoint_id, change.last_update)  # first: a replay can't revive
        if existing is None:
            return "ABSENT"
        endpoints.delete(app_id, change.endpoint_id)
        return "DELETED"
    if change.phone is None:
        raise ValidationError("phone", "the row has no phone number")
    check = check_offline({"Address": change.phone}, default_region)
    if check.e164 is None or not check.plausible:
        raise ValidationError("phone", "is not a valid phone number")
    opt_in = "1" if change.opted_in else "0"
    seen = ((existing or {}).get("Attributes") or {}).get(OPT_IN, [None])[0]
    request: dict[str, Any] = {
        "ChannelType": "SMS",
        "Address": check.e164,
        "User": {"UserId": change.customer_id},
        "Attributes": {**change.attributes, LAST_UPDATE: [change.last_update], OPT_IN: [opt_in]},
    }
    moved = existing is not None and existing.get("Address") != check.e164
    if existing is None or seen != opt_in or moved:  # the opt-in column speaks: a consent decision
        status = ConsentStatus.OPTED_IN if change.opted_in else ConsentStatus.OPTED_OUT
        decision = consent_record(
            app_id,
            "SMS",
            check.e164,
            status,
            SOURCE,
            change.last_update,
            f"{change.customer_id}@{change.last_update}",
        )
        if consents.record(decision):
            request["OptOut"] = "NONE" if change.opted_in else "ALL"
        else:  # a later decision (the person's own STOP, say) stands
            latest = consents.get(app_id, "SMS", check.e164)
            request["OptOut"] = (
                "ALL" if latest is not None and latest.status == ConsentStatus.OPTED_OUT else "NONE"
            )
    endpoints.upsert(app_id, change.endpoint_id, request)
    old = (existing or {}).get("Address")
    if old and old != check.e164:
        # This customer's consent leaves with them: the old number is no one's to message now.
        consents.record(
            consent_record(app_id, "SMS", old, ConsentStatus.OPTED_OUT, f"{SOURCE}-number-changed",
                           change.last_update, f"{change.customer_id}@{change.last_update}")
        )  # fmt: skip
        return "MOVED"
    return "APPLIED"


class Applications(Protocol):
    def require(self, app_id: str) -> Any:
        """Raises unless the application exists."""
        ...


class Rejects(Protocol):
    def send(self, body: str, delay_seconds: int | None = None) -> None:
        """Puts one message on the rejects queue; raises when it is not taken."""
        ...


@dataclass(frozen=True)
class Synced:
    """What became of one record: `change` None is a DMS control record (no customer's), unless
    `rejected` says why it can never apply (it is on the rejects queue); else `outcome` is
    apply_change's."""

    change: Change | None
    outcome: str | None = None
    rejected: ValidationError | None = None


@dataclass
class OptInSync:
    """The sync of one application's customers from the DMS stream: each change applied, or
    rejected with its reason and the record itself (never dropped)."""

    app_id: str
    columns: Columns
    default_region: str | None
    applications: Applications
    endpoints: Endpoints
    consents: Consents
    tombstones: Tombstones
    rejects: Rejects

    def sync(self, data: bytes, sequence_number: str, partition_key: str) -> Synced:
        """One Kinesis record's data, with its place in the shard (for the rejects queue)."""
        self.applications.require(self.app_id)  # else retried, then the OnFailure destination
        try:
            change = parse_change(data, self.columns)
            if change is None:
                return Synced(None)
            outcome = apply_change(
                change, self.app_id, self.endpoints, self.consents, self.tombstones, self.default_region
            )
        except ValidationError as exc:
            self.rejects.send(
                json.dumps(
                    {
                        "reason": str(exc),
                        "field": exc.field,
                        "sequence_number": sequence_number,
                        "partition_key": partition_key,
                        "record": data.decode("utf-8", errors="replace"),
                    }
                )
            )
            return Synced(None, rejected=exc)
        return Synced(change, outcome)
