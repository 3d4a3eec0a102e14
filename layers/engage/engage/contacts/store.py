"""The contact store: Pinpoint's endpoint operations (UpdateEndpoint, UpdateEndpointsBatch,
GetEndpoint, GetUserEndpoints, DeleteEndpoint, DeleteUserEndpoints) and the lookups every flow
needs (by address, by channel), with Pinpoint's quotas enforced. Storage is a repository passed in;
`engage.adapters.dynamodb.contacts` is the DynamoDB one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage.addresses import PUSH_CHANNELS, ChannelType, address_key, parse_channel
from engage.contacts.model import (
    ATTRIBUTE_KINDS,
    DEFAULT_QUOTAS,
    Endpoint,
    Quotas,
    attribute_names,
    check_app_id,
    check_endpoint_id,
    check_size,
    merge,
    now_iso,
    user_id,
    validate_request,
)
from engage.errors import ConflictError, LimitExceededError, NotFoundError, ValidationError
from engage.retry import Backoff

MAX_WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class Stored:
    """An endpoint as read, with the version a conditional write must find unchanged."""

    endpoint: Endpoint
    version: int


@dataclass(frozen=True)
class Change:
    """One endpoint write: `old` is what was read (None for a new endpoint), `new` what to store."""

    old: Stored | None
    new: Endpoint


# RemoveAttributes: the attribute type in its path, the family it names, and where the registry
# keeps that family's removed names (values for them are no longer captured, as in Pinpoint).
ATTRIBUTE_TYPES = {
    "endpoint-custom-attributes": "Attributes",
    "endpoint-metric-attributes": "Metrics",
    "endpoint-user-attributes": "UserAttributes",
}
REMOVED = {kind: f"Removed{kind}" for kind in ATTRIBUTE_TYPES.values()}
NAMES_TTL_SECONDS = 60.0  # how long a function keeps an application's registry before reading it again

# An endpoint's last activity (its latest event through PutEvents), added under this key to the
# endpoints a segment is evaluated on and removed before they go anywhere else: it is not a member
# of Pinpoint's EndpointResponse.
LAST_ACTIVITY = "engage:LastActivity"


def user_deltas(changes: Sequence[Change]) -> dict[str, int]:
    """How many endpoints each user gains (or loses) by the changes: the counts written with them."""
    deltas: dict[str, int] = {}
    for change in changes:
        before, after = user_id(change.old.endpoint if change.old else None), user_id(change.new)
        if before != after:
            if before:
                deltas[before] = deltas.get(before, 0) - 1
            if after:
                deltas[after] = deltas.get(after, 0) + 1
    return {user: delta for user, delta in deltas.items() if delta}


class EndpointRepository(Protocol):
    """Storage for endpoints. `save` applies its changes atomically, keeps each user's endpoint
    count exact and refuses to take a user past `user_limit`; it raises ConflictError when any
    change finds its endpoint modified since it was read."""

    def get(self, app_id: str, endpoint_id: str) -> Stored | None: ...
    def save(self, app_id: str, changes: Sequence[Change], user_limit: int) -> None: ...
    def get_stored_many(self, app_id: str, endpoint_ids: Sequence[str]) -> dict[str, Stored]: ...
    def user_endpoint_counts(self, app_id: str, users: Sequence[str]) -> dict[str, int]: ...
    def save_many(self, app_id: str, changes: Sequence[Change], user_limit: int) -> set[str]:
        """Writes many changes (one per endpoint), each conditional on the version read, with the
        users' endpoint counts; answers the ids of the endpoints not written because one of them
        (or a user's count) changed concurrently."""
        ...

    def delete(self, app_id: str, stored: Stored) -> None: ...
    def user_endpoint_count(self, app_id: str, user_id: str) -> int: ...
    def by_user(self, app_id: str, user_id: str) -> list[Stored]: ...
    def by_address_key(self, app_id: str, key: str) -> Iterator[Endpoint]: ...
    def by_channel(
        self, app_id: str, channel: str, shards: Sequence[int] | None = None, with_activity: bool = False
    ) -> Iterator[Endpoint]: ...
    def touch(self, app_id: str, endpoint_id: str, at: str) -> None:
        """Records the endpoint's latest activity (ISO 8601, UTC); an earlier time changes nothing."""
        ...

    def registered_names(self, app_id: str) -> dict[str, set[str]]:
        """Each kind's registered names, and under REMOVED[kind] the names RemoveAttributes removed."""
        ...

    def register_names(self, app_id: str, new: Mapping[str, set[str]], expected_total: int) -> None: ...
    def remove_names(
        self, app_id: str, kind: str, names: set[str], present: int, expected_total: int
    ) -> None:
        """Takes `names` out of the kind's registry (`present` of them were in it) and records them as
        removed, conditional on the registry's total; ConflictError when it moved."""
        ...


@dataclass(frozen=True)
class BatchItemError:
    index: int
    endpoint_id: str | None
    field: str
    reason: str


@dataclass
class ContactStore:
    repository: EndpointRepository
    quotas: Quotas = DEFAULT_QUOTAS
    backoff: Backoff = field(default_factory=Backoff)
    clock: Callable[[], str] = now_iso
    _names: dict[str, dict[str, set[str]]] = field(default_factory=dict, init=False, repr=False)
    _names_read: dict[str, float] = field(default_factory=dict, init=False, repr=False)

    # --- reads -------------------------------------------------------------------------------
    def get(self, app_id: str, endpoint_id: str) -> Endpoint:
        stored = self.repository.get(check_app_id(app_id), check_endpoint_id(endpoint_id))
        if stored is None:
            raise NotFoundError(f"endpoint {endpoint_id!r} does not exist in application {app_id}")
        return stored.endpoint

    def existing(self, app_id: str, endpoint_ids: Sequence[str]) -> set[str]:
        """Which of the ids name endpoints that exist (batch reads of 100)."""
        return set(self.repository.get_stored_many(check_app_id(app_id), endpoint_ids))

    def get_user_endpoints(self, app_id: str, user: str) -> list[Endpoint]:
        return [s.endpoint for s in self.repository.by_user(check_app_id(app_id), _check_user_id(user))]

    def find_by_address(self, app_id: str, channel: ChannelType | str, address: str) -> list[Endpoint]:
        """Endpoints holding this address in any spelling; a phone number finds SMS and VOICE ones."""
        key = address_key(parse_channel(channel), address)
        return list(self.repository.by_address_key(check_app_id(app_id), key))

    def list_by_channel(self, app_id: str, channel: ChannelType | str) -> Iterator[Endpoint]:
        """Streams every endpoint of one channel, page by page."""
        return self.repository.by_channel(check_app_id(app_id), parse_channel(channel).value)

    # --- writes ------------------------------------------------------------------------------
    def record_activity(self, app_id: str, endpoint_id: str, at: str) -> None:
        """The endpoint was active at `at` (ISO 8601, UTC): what Behavior.Recency judges."""
        self.repository.touch(check_app_id(app_id), endpoint_id, at)

    def upsert(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> Endpoint:
        """UpdateEndpoint: creates the endpoint or merges the request into it."""
        check_app_id(app_id)
        check_endpoint_id(endpoint_id)
        return self._apply(app_id, endpoint_id, validate_request(request, self.quotas))

    def update_existing(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> Endpoint:
        """Merges the request into an endpoint that exists (NotFoundError otherwise, also when it is
        deleted while the merge is being written): a partial update never creates an endpoint."""
        check_app_id(app_id)
        check_endpoint_id(endpoint_id)
        return self._apply(app_id, endpoint_id, validate_request(request, self.quotas), must_exist=True)

    def modify(
        self, app_id: str, endpoint_id: str, change: Callable[[Endpoint], Mapping[str, Any] | None]
    ) -> Endpoint | None:
        """A read-modify-write of an endpoint that exists: `change` is given the endpoint as stored
        and answers the UpdateEndpoint request to merge (None: nothing to change, nothing written).
        The write is conditional on the version read; when another writer got there first, the
        endpoint is read again and `change` asked again (a bounded number of times), so a change
        computed from what is stored never overwrites a concurrent one (NotFoundError when the
        endpoint does not exist, or is deleted meanwhile)."""
        check_app_id(app_id)
        check_endpoint_id(endpoint_id)

        def request(current: Endpoint) -> Endpoint | None:
            wanted = change(current)
            return validate_request(wanted, self.quotas) if wanted else None

        return self._apply(app_id, endpoint_id, request, must_exist=True)

    def upsert_batch(self, app_id: str, items: Sequence[Mapping[str, Any]]) -> list[Endpoint]:
        """UpdateEndpointsBatch: at most 100 items and 7 MB. The whole batch is checked before any
        item is written, so a bad item rejects the request and nothing half-applies from it."""
        check_app_id(app_id)
        if not isinstance(items, Sequence) or isinstance(items, (str, bytes)):
            raise ValidationError("Item", "must be a list of endpoints")
        if len(items) > self.quotas.batch_items:
            raise LimitExceededError(
                "Item", f"holds {len(items)} endpoints; at most {self.quotas.batch_items}"
            )
        size = len(json.dumps(list(items), default=str).encode())
        if size > self.quotas.batch_bytes:
            raise LimitExceededError(
                "Item", f"is {size} bytes; a batch may hold at most {self.quotas.batch_bytes}"
            )
        errors = self.check_batch(items)
        if errors:
            first = errors[0]
            raise ValidationError(f"Item[{first.index}].{first.field}", first.reason)
        validated = []
        for item in items:
            body = {k: v for k, v in item.items() if k != "Id"}
            validated.append((item["Id"], validate_request(body, self.quotas)))
        written = self.write_many(app_id, validated)
        refused = next((e for e in written if isinstance(e, Exception)), None)
        if refused is not None:  # the others are written: each endpoint's update stands alone
            raise refused
        return written  # type: ignore[return-value] - no refusals

    def write_many(
        self, app_id: str, requests: Sequence[tuple[str, Endpoint]], must_exist: bool = False
    ) -> list[Endpoint | ValidationError | NotFoundError]:
        """Merges validated requests into their endpoints many at a time (imports, UpdateEndpointsBatch).
        The endpoints are read with batch reads and the merges written in transactions of up to 100,
        each write conditional on the version read; endpoints another writer changed meanwhile are
        read and merged again (a bounded number of times), so no concurrent update is lost. Requests
        for one endpoint apply in their order. Answers, per request, the endpoint as written or why
        it was refused: a quota, or (`must_exist`) an endpoint that does not exist. A user about to
        pass 15 endpoints takes the one-at-a-time path, which evicts or refuses as Pinpoint did."""
        check_app_id(app_id)
        requests = [(endpoint_id, self._without_removed(app_id, r)) for endpoint_id, r in requests]
        outcome: list[Any] = [None] * len(requests)
        pending = list(range(len(requests)))
        for attempt in range(MAX_WRITE_ATTEMPTS):
            if not pending:
                return outcome
            if attempt:
                self.backoff.wait(attempt - 1)
            pending = self._write_pending(app_id, requests, pending, outcome, must_exist)
        for n in pending:  # still racing: one at a time, each with its own bounded retries
            outcome[n] = self._one(app_id, *requests[n], must_exist)
        return outcome

    def _write_pending(
        self,
        app_id: str,
        requests: Sequence[tuple[str, Endpoint]],
        pending: list[int],
        outcome: list[Any],
        must_exist: bool,
    ) -> list[int]:
        """One round of `write_many`: the requests still pending, read, merged and written; answers
        those whose endpoints changed under them."""
        stored = self.repository.get_stored_many(app_id, [requests[n][0] for n in pending])
        merged, sources = self._merged(app_id, requests, pending, stored, outcome, must_exist)
        # The names of the requests that merged are registered (a request refused for them is
        # merged no more): a refused request never takes a place in the application's quota.
        survivors = [n for indexes in sources.values() for n in indexes]
        if self._register_names_of(app_id, requests, survivors, outcome):
            kept = [n for n in survivors if outcome[n] is None]
            merged, sources = self._merged(app_id, requests, kept, stored, outcome, must_exist)
        changes = [Change(stored.get(endpoint_id), endpoint) for endpoint_id, endpoint in merged.items()]
        crowded = self._joining_full_users(app_id, changes)
        batched = [c for c in changes if c.new["Id"] not in crowded]
        conflicted = self.repository.save_many(app_id, batched, self.quotas.endpoints_per_user)
        for change in batched:
            if change.new["Id"] not in conflicted:
                for n in sources[change.new["Id"]]:
                    outcome[n] = change.new
        for endpoint_id in crowded:
            for n in sources[endpoint_id]:
                outcome[n] = self._one(app_id, *requests[n], must_exist)
        return sorted(n for endpoint_id in conflicted for n in sources[endpoint_id])

    def _merged(
        self,
        app_id: str,
        requests: Sequence[tuple[str, Endpoint]],
        pending: list[int],
        stored: Mapping[str, Stored],
        outcome: list[Any],
        must_exist: bool,
    ) -> tuple[dict[str, Endpoint], dict[str, list[int]]]:
        """The pending requests merged into the endpoints read, in order (each endpoint's merge,
        and the requests it holds); a request that can't be merged gets its refusal in `outcome`."""
        merged: dict[str, Endpoint] = {}
        sources: dict[str, list[int]] = {}
        now = self.clock()
        for n in pending:
            endpoint_id, wanted = requests[n]
            read = stored.get(endpoint_id)
            current = merged.get(endpoint_id) or (read.endpoint if read else None)
            if current is None and must_exist:
                outcome[n] = NotFoundError(f"endpoint {endpoint_id!r} does not exist in application {app_id}")
                continue
            try:
                endpoint = merge(current, wanted, app_id=app_id, endpoint_id=endpoint_id, now=now)
                check_size(endpoint, self.quotas)
            except ValidationError as exc:
                outcome[n] = exc
                continue
            merged[endpoint_id] = endpoint
            sources.setdefault(endpoint_id, []).append(n)
        return merged, sources

    def _one(
        self, app_id: str, endpoint_id: str, request: Endpoint, must_exist: bool
    ) -> Endpoint | ValidationError | NotFoundError:
        try:
            return self._apply(app_id, endpoint_id, request, must_exist=must_exist)
        except (ValidationError, NotFoundError) as exc:
            return exc

    def _joining_full_users(self, app_id: str, changes: Sequence[Change]) -> set[str]:
        """The endpoints that would take a user past the per-user limit: they go one at a time."""
        growing = {user: delta for user, delta in user_deltas(changes).items() if delta > 0}
        if not growing:
            return set()
        counts = self.repository.user_endpoint_counts(app_id, list(growing))
        limit = self.quotas.endpoints_per_user
        full = {user for user, delta in growing.items() if counts[user] + delta > limit}
        return {
            c.new["Id"]
            for c in changes
            if user_id(c.new) in full and user_id(c.new) != user_id(c.old.endpoint if c.old else None)
        }

    def _register_names_of(
        self, app_id: str, requests: Sequence[tuple[str, Endpoint]], indexes: list[int], outcome: list[Any]
    ) -> bool:
        """Registers the attribute names of these requests at once; when together they pass the
        quota, request by request, the requests that would pass it refused. Whether any was."""
        wanted: dict[str, set[str]] = {kind: set() for kind in ATTRIBUTE_KINDS}
        for n in indexes:
            for kind, names in attribute_names(requests[n][1]).items():
                wanted[kind] |= names
        try:
            self._register_names(app_id, wanted)
            return False
        except LimitExceededError:
            pass
        refused = False
        for n in indexes:
            try:
                self._register_names(app_id, attribute_names(requests[n][1]))
            except LimitExceededError as exc:
                outcome[n], refused = exc, True
        return refused

    def check_batch(self, items: Sequence[Mapping[str, Any]]) -> list[BatchItemError]:
        """Every problem of every item, for callers that report them all (imports, the batch API)."""
        errors = []
        for index, item in enumerate(items):
            endpoint_id = item.get("Id") if isinstance(item, Mapping) else None
            try:
                self._check_item(item)
            except ValidationError as exc:
                errors.append(
                    BatchItemError(
                        index, endpoint_id if isinstance(endpoint_id, str) else None, exc.field, exc.reason
                    )
                )
        return errors

    def _check_item(self, item: object) -> None:
        if not isinstance(item, Mapping):
            raise ValidationError("Item", "must be an endpoint object")
        check_endpoint_id(item.get("Id"))
        validate_request({k: v for k, v in item.items() if k != "Id"}, self.quotas)

    def delete(self, app_id: str, endpoint_id: str) -> Endpoint:
        """DeleteEndpoint: returns the endpoint as it was."""
        check_app_id(app_id)
        check_endpoint_id(endpoint_id)
        for attempt in range(MAX_WRITE_ATTEMPTS):
            stored = self.repository.get(app_id, endpoint_id)
            if stored is None:
                raise NotFoundError(f"endpoint {endpoint_id!r} does not exist in application {app_id}")
            try:
                self.repository.delete(app_id, stored)
                return stored.endpoint
            except ConflictError:
                self.backoff.wait(attempt)
        raise ConflictError(f"endpoint {endpoint_id!r} kept changing while it was being deleted")

    def delete_user_endpoints(self, app_id: str, user: str) -> list[Endpoint]:
        """DeleteUserEndpoints: deletes every endpoint of the user and returns them."""
        deleted = []
        for stored in self.repository.by_user(check_app_id(app_id), _check_user_id(user)):
            try:
                deleted.append(self.delete(app_id, stored.endpoint["Id"]))
            except NotFoundError:
                continue  # deleted concurrently: the outcome the caller asked for
        return deleted

    # --- internals ---------------------------------------------------------------------------
    def _apply(
        self,
        app_id: str,
        endpoint_id: str,
        request: Endpoint | Callable[[Endpoint], Endpoint | None],
        must_exist: bool = False,
    ) -> Endpoint:
        """Merges the request into the endpoint as read and writes it, conditional on the version
        read; reads again and retries when another writer won. A callable request is computed from
        the endpoint as read, each time (None: nothing to write, and None is answered)."""
        for attempt in range(MAX_WRITE_ATTEMPTS):
            stored = self.repository.get(app_id, endpoint_id)
            if stored is None and must_exist:
                raise NotFoundError(f"endpoint {endpoint_id!r} does not exist in application {app_id}")
            current = stored.endpoint if stored else None
            wanted = request(current or {}) if callable(request) else request
            if wanted is None:
                return None  # type: ignore[return-value] - only `modify` passes a callable
            wanted = self._without_removed(app_id, wanted)
            endpoint = merge(current, wanted, app_id=app_id, endpoint_id=endpoint_id, now=self.clock())
            check_size(endpoint, self.quotas)
            self._register_names(app_id, attribute_names(wanted))
            changes = [Change(stored, endpoint), *self._make_room_for(app_id, stored, endpoint)]
            try:
                self.repository.save(app_id, changes, self.quotas.endpoints_per_user)
                return endpoint
            except ConflictError:
                self.backoff.wait(attempt)
        raise ConflictError(f"endpoint {endpoint_id!r} kept changing while it was being updated; try again")

    def _make_room_for(self, app_id: str, stored: Stored | None, endpoint: Endpoint) -> list[Change]:
        """A user has at most 15 endpoints. A 16th device-token endpoint evicts the user's push
        endpoint with the oldest EffectiveDate (set INACTIVE, its UserId removed), as Pinpoint did;
        any other 16th endpoint is refused."""
        new_user = user_id(endpoint)
        if new_user is None or new_user == user_id(stored.endpoint if stored else None):
            return []
        limit = self.quotas.endpoints_per_user
        if self.repository.user_endpoint_count(app_id, new_user) < limit:
            return []
        channel = ChannelType(endpoint["ChannelType"])
        candidates = [
            s
            for s in self.repository.by_user(app_id, new_user)
            if s.endpoint["Id"] != endpoint["Id"] and s.endpoint["ChannelType"] in PUSH_CHANNELS
        ]
        if channel not in PUSH_CHANNELS or not candidates:
            raise LimitExceededError(
                "User.UserId",
                f"user already has {limit} endpoints; delete one before adding another {channel} endpoint",
            )
        oldest = min(candidates, key=lambda s: s.endpoint.get("EffectiveDate", ""))
        evicted = {**oldest.endpoint, "EndpointStatus": "INACTIVE"}
        evicted["User"] = {k: v for k, v in oldest.endpoint.get("User", {}).items() if k != "UserId"}
        if not evicted["User"]:
            del evicted["User"]
        return [Change(oldest, evicted)]

    def _register_names(self, app_id: str, wanted: Mapping[str, set[str]]) -> None:
        """Keeps the application's registry of custom attribute names within its quota (Attributes,
        Metrics and UserAttributes together). Known names are cached; new ones are registered with
        an optimistic check of the registry's total, so concurrent writers can't overshoot."""
        for attempt in range(MAX_WRITE_ATTEMPTS):
            known = self._known_names(app_id)
            new = {kind: wanted.get(kind, set()) - known.get(kind, set()) for kind in ATTRIBUTE_KINDS}
            if not any(new.values()):
                return
            total = sum(len(known.get(kind, ())) for kind in ATTRIBUTE_KINDS)
            after = total + sum(len(names) for names in new.values())
            if after > self.quotas.attribute_names_per_app:
                raise LimitExceededError(
                    "Attributes",
                    f"application {app_id} would define {after} custom attribute names; at most "
                    f"{self.quotas.attribute_names_per_app} across Attributes, Metrics and UserAttributes",
                )
            try:
                self.repository.register_names(app_id, new, expected_total=total)
            except ConflictError:
                self._names.pop(app_id, None)  # someone else registered names: re-read
                self.backoff.wait(attempt)
                continue
            for kind, names in new.items():
                known.setdefault(kind, set()).update(names)
            return
        raise ConflictError(f"the attribute registry of application {app_id} kept changing; try again")

    def _known_names(self, app_id: str, fresh: bool = False) -> dict[str, set[str]]:
        """The application's registry, read again after NAMES_TTL_SECONDS (or when `fresh`)."""
        now = time.monotonic()
        if fresh or app_id not in self._names or now - self._names_read.get(app_id, 0.0) > NAMES_TTL_SECONDS:
            self._names[app_id] = self.repository.registered_names(app_id)
            self._names_read[app_id] = now
        return self._names[app_id]

    def _without_removed(self, app_id: str, request: Endpoint) -> Endpoint:
        """The request without values for attributes RemoveAttributes removed."""
        known = self._known_names(app_id)
        if not any(known.get(REMOVED[kind]) for kind in REMOVED):
            return request
        kept = dict(request)
        for kind, holder in (("Attributes", kept), ("Metrics", kept)):
            if kind in holder:
                holder[kind] = {
                    k: v for k, v in holder[kind].items() if k not in known.get(REMOVED[kind], set())
                }
        if "UserAttributes" in (kept.get("User") or {}):
            user = dict(kept["User"])
            removed = known.get(REMOVED["UserAttributes"], set())
            user["UserAttributes"] = {k: v for k, v in user["UserAttributes"].items() if k not in removed}
            kept["User"] = user
        return kept

    def remove_attributes(self, app_id: str, attribute_type: str, request: Any) -> dict[str, Any]:
        """RemoveAttributes: the names leave the application's registry (and its quota), and values
        for them are no longer captured; endpoints keep the values they have, as in Pinpoint."""
        kind = ATTRIBUTE_TYPES.get(attribute_type)
        if kind is None:
            raise ValidationError("attribute-type", f"must be one of {', '.join(ATTRIBUTE_TYPES)}")
        names = request.get("Blacklist") if isinstance(request, Mapping) else None
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            raise ValidationError("UpdateAttributesRequest.Blacklist", "name the attributes to remove")
        check_app_id(app_id)
        for attempt in range(MAX_WRITE_ATTEMPTS):
            known = self._known_names(app_id, fresh=True)
            total = sum(len(known.get(k, ())) for k in ATTRIBUTE_KINDS)
            present = len(set(names) & known.get(kind, set()))
            try:
                self.repository.remove_names(app_id, kind, set(names), present, expected_total=total)
            except ConflictError:
                self.backoff.wait(attempt)
                continue
            self._names.pop(app_id, None)
            return {
                "ApplicationId": app_id,
                "AttributeType": attribute_type,
                "Attributes": sorted(set(names)),
            }
        raise ConflictError(f"the attribute registry of application {app_id} kept changing; try again")


def _check_user_id(user: object) -> str:
    if not isinstance(user, str) or not user.strip():
        raise ValidationError("UserId", "a user id is required")
    return user
