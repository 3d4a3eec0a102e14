"""Segments: definitions kept in a repository, evaluated as a stream of endpoints (one page of the
contact store at a time, never the whole audience in memory), counted for size estimates.

A dimensional segment reads only the channels its definition can match, shard by shard; an imported
segment (or a segment built on one) reads its member list in file order and fetches the endpoints
in batches, skipping those deleted since the import.

A segment can also be evaluated in parts, each by a worker of its own (`evaluate_part`): part n of N
of a dimensional segment is the store's part n of N (DynamoDB: a parallel Scan's segment), of an
imported one the members whose id hashes to n; either way the parts are disjoint and together are
the whole evaluation."""

from __future__ import annotations

import itertools
import math
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engage.addresses import ChannelType
from engage.contacts.model import Endpoint
from engage.contacts.store import LAST_ACTIVITY
from engage.errors import NotFoundError, ValidationError
from engage.segments.definition import Plan, Predicate, new_segment, plan, source_ids
from engage.versions import one_of, with_current

MEMBER_BATCH = 100  # DynamoDB BatchGetItem's limit


class SegmentRepository(Protocol):
    def put(self, segment: dict[str, Any], members: str | None = None) -> None:
        """Stores a SegmentResponse; `members` locates an imported segment's member list."""
        ...

    def get(self, app_id: str, segment_id: str) -> dict[str, Any] | None: ...
    def members(self, app_id: str, segment_id: str) -> str | None: ...
    def list(self, app_id: str) -> list[dict[str, Any]]: ...
    def delete(self, app_id: str, segment_id: str) -> None: ...
    def versions(self, app_id: str, segment_id: str, latest: int) -> list[dict[str, Any]]: ...


class EndpointSource(Protocol):
    shard_count: int

    def by_channel(
        self, app_id: str, channel: str, shards: Sequence[int] | None = None, with_activity: bool = False
    ) -> Iterator[Endpoint]:
        """`with_activity`: each endpoint with its last activity under LAST_ACTIVITY, if any."""
        ...

    def part(
        self,
        app_id: str,
        part: int,
        parts: int,
        channels: Sequence[str] | None = None,
        with_activity: bool = False,
    ) -> Iterator[Endpoint]:
        """Part `part` (from 0) of `parts` of the application's endpoints (of `channels` only, when
        given): the parts are disjoint and together hold every endpoint, whatever their number."""
        ...

    def stored_items(self) -> int:
        """About how many items reading every part reads (the whole store, not one application)."""
        ...

    def get_many(self, app_id: str, endpoint_ids: Sequence[str]) -> list[Endpoint]: ...


MOST_PARTS = 1000  # far beyond what a workflow's Map runs at once; DynamoDB allows 1,000,000


def member_part(endpoint_id: str, parts: int) -> int:
    """The part an imported segment's member is evaluated in: the same for every listing of it."""
    return zlib.crc32(endpoint_id.encode()) % parts


class MemberLists(Protocol):
    def read(self, location: str) -> Iterator[str]:
        """The endpoint ids of an imported segment, in the order the file listed them."""
        ...


@dataclass
class Segments:
    repository: SegmentRepository
    endpoints: EndpointSource
    member_lists: MemberLists
    # What a new version of a segment sets going (the journeys that refresh on its update).
    on_change: Callable[[dict[str, Any]], None] = lambda _segment: None

    def create(self, app_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        segment = new_segment(app_id, request)
        self._plan(app_id, segment)  # its sources must exist and combine
        self.repository.put(segment)
        return segment

    def get(self, app_id: str, segment_id: str) -> dict[str, Any]:
        segment = self.repository.get(app_id, segment_id)
        if segment is None:
            raise NotFoundError(f"segment {segment_id!r} does not exist in application {app_id!r}")
        return segment

    def list(self, app_id: str) -> list[dict[str, Any]]:
        return self.repository.list(app_id)

    def versions(self, app_id: str, segment_id: str) -> list[dict[str, Any]]:
        """GetSegmentVersions: every version kept, oldest first (the current one at least)."""
        current = self.get(app_id, segment_id)
        return with_current(current, self.repository.versions(app_id, segment_id, int(current["Version"])))

    def version(self, app_id: str, segment_id: str, version: str) -> dict[str, Any]:
        """GetSegmentVersion."""
        return one_of(self.versions(app_id, segment_id), version, f"segment {segment_id!r}")

    def update(self, app_id: str, segment_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """UpdateSegment: the request replaces a dimensional segment's definition, as its next
        version. An imported segment changes by importing again (CreateImportJob with SegmentId)."""
        current = self.get(app_id, segment_id)
        if current["SegmentType"] != "DIMENSIONAL":
            raise ValidationError(
                "SegmentId",
                f"segment {segment_id!r} is imported: import again with its SegmentId to change it",
            )
        # A partial update, as Pinpoint took one: what the request leaves out stays (a rename keeps the
        # definition); a request naming Dimensions or SegmentGroups gives the whole definition.
        wanted = {k: v for k, v in request.items() if k != "tags" and v is not None}
        kept = {"Name": current.get("Name")}
        if not (wanted.get("Dimensions") or wanted.get("SegmentGroups")):
            kept.update({k: current[k] for k in ("Dimensions", "SegmentGroups") if current.get(k)})
        segment = {
            **new_segment(app_id, {**kept, **wanted}, segment_id),
            "CreationDate": current["CreationDate"],
            "Version": int(current["Version"]) + 1,
        }
        if current.get("tags"):  # an update's tags are not processed (Pinpoint's, since 22-05-2023)
            segment["tags"] = current["tags"]

        def resolve(wanted: str) -> dict[str, Any]:
            return segment if wanted == segment_id else self.get(app_id, wanted)

        self._refuse_cycle(segment, resolve)
        plan(segment, resolve)
        for other in self.repository.list(app_id):  # those built on it must still combine
            if other["Id"] != segment_id:
                try:
                    plan(other, resolve)
                except ValidationError as exc:
                    raise ValidationError(
                        "SegmentGroups",
                        f"segment {other['Id']} ({other['Name']}), built on it, would break: {exc}",
                    ) from None
        self.repository.put(segment)
        self.on_change(segment)
        return segment

    @staticmethod
    def _refuse_cycle(segment: Mapping[str, Any], resolve: Any) -> None:
        def visit(current: Mapping[str, Any], path: tuple[str, ...]) -> None:
            for source_id in source_ids(current):
                if source_id in path:
                    raise ValidationError(
                        "SegmentGroups", f"segment {segment['Id']} would be built on itself"
                    )
                visit(resolve(source_id), (*path, source_id))

        visit(segment, (segment["Id"],))

    def delete(
        self, app_id: str, segment_id: str, used_by: Sequence[Mapping[str, Any]] = ()
    ) -> dict[str, Any]:
        """DeleteSegment. Refused while another segment is built on it or one of `used_by` (the
        application's campaigns) sends to it: they would break at their next run."""
        segment = self.get(app_id, segment_id)
        for other in self.repository.list(app_id):
            if segment_id in source_ids(other):
                raise ValidationError("SegmentId", f"segment {other['Id']} ({other['Name']}) is built on it")
        for campaign in used_by:
            if campaign.get("SegmentId") == segment_id:
                raise ValidationError(
                    "SegmentId", f"campaign {campaign['Id']} ({campaign.get('Name')}) sends to it"
                )
        self.repository.delete(app_id, segment_id)
        return segment

    def evaluate(
        self,
        app_id: str,
        segment_id: str,
        extra: Predicate | None = None,
        shards: Sequence[int] | None = None,
    ) -> Iterator[Endpoint]:
        """The segment's endpoints (also passing `extra`), streamed. `shards` reads a sample of a
        dimensional segment's population (an imported segment is always read whole)."""
        return self._stream(app_id, self._plan(app_id, self.get(app_id, segment_id)), extra, shards)

    def evaluate_part(
        self, app_id: str, segment_id: str, part: int, parts: int, extra: Predicate | None = None
    ) -> Iterator[Endpoint]:
        """Part `part` (from 0) of `parts` of the segment's endpoints (also passing `extra`),
        streamed: the parts are disjoint and together are `evaluate`'s endpoints, so each can be
        evaluated by a worker of its own. A dimensional segment reads the store's part (of the
        channels it can match); an imported one reads its whole member list and fetches the
        members of its part."""
        if not 1 <= parts <= MOST_PARTS:
            raise ValidationError("parts", f"must be between 1 and {MOST_PARTS}")
        if not 0 <= part < parts:
            raise ValidationError("part", f"must be between 0 and {parts - 1}")
        steps = self._plan(app_id, self.get(app_id, segment_id))
        if steps.imported_source is not None:
            population = self._members(app_id, steps.imported_source["Id"], (part, parts))
        else:
            channels = sorted(steps.channels) if steps.channels is not None else None
            population = self.endpoints.part(app_id, part, parts, channels, with_activity=True)
        return self._kept(population, steps, extra)

    def parts_for(self, items_per_part: int, most: int) -> int:
        """How many parts to evaluate a segment in: one per `items_per_part` items of the store
        (what reading every part reads, whatever the segment), from 1 to `most`."""
        if items_per_part < 1 or most < 1:
            raise ValidationError("items_per_part", "the items per part and the most parts must be positive")
        wanted = math.ceil(self.endpoints.stored_items() / items_per_part)
        return max(1, min(most, MOST_PARTS, wanted))

    def membership(self, app_id: str, segment_id: str) -> Predicate:
        """Whether one endpoint is in a dynamic segment, without reading the population (for
        event-triggered campaigns). An imported segment, or one built on it, has no such test:
        ValidationError."""
        steps = self._plan(app_id, self.get(app_id, segment_id))
        if steps.imported_source is not None:
            raise ValidationError(
                "SegmentId", f"segment {segment_id!r} is static (imported); use a dynamic one"
            )
        channels = steps.channels
        return lambda e: (channels is None or e.get("ChannelType") in channels) and steps.predicate(e)

    def estimate(self, app_id: str, segment_id: str, sample_shards: int | None = None) -> dict[str, Any]:
        """The segment's size and its count per channel. With `sample_shards`, a dimensional
        segment is counted on that many of the store's shards and scaled up (an estimate, quick on
        large applications); otherwise every endpoint is evaluated and the count is exact."""
        segment = self.get(app_id, segment_id)
        total = self.endpoints.shard_count
        if sample_shards is not None and not 1 <= sample_shards <= total:
            raise ValidationError("sample_shards", f"must be between 1 and {total}")
        steps = self._plan(app_id, segment)
        whole = steps.imported_source is not None  # member lists aren't sharded
        sampled = sample_shards is not None and sample_shards < total and not whole
        shards = list(range(sample_shards)) if sampled and sample_shards else None
        started = time.perf_counter()
        counts: dict[str, int] = {}
        for endpoint in self._stream(app_id, steps, None, shards):
            counts[endpoint["ChannelType"]] = counts.get(endpoint["ChannelType"], 0) + 1
        scale = total / len(shards) if shards else 1
        channel_counts = {c: round(n * scale) for c, n in sorted(counts.items())}
        return {
            "ApplicationId": app_id,
            "SegmentId": segment_id,
            "Name": segment["Name"],
            "SegmentType": segment["SegmentType"],
            "Size": sum(channel_counts.values()),
            "ChannelCounts": channel_counts,
            "Exact": not shards,
            "ShardsRead": f"{len(shards) if shards else total} of {total}",
            "Seconds": round(time.perf_counter() - started, 3),
        }

    # --- populations -------------------------------------------------------------------------
    def _stream(
        self, app_id: str, steps: Plan, extra: Predicate | None, shards: Sequence[int] | None
    ) -> Iterator[Endpoint]:
        return self._kept(self._population(app_id, steps, shards), steps, extra)

    @staticmethod
    def _kept(population: Iterator[Endpoint], steps: Plan, extra: Predicate | None) -> Iterator[Endpoint]:
        keep = steps.predicate if extra is None else (lambda e: steps.predicate(e) and extra(e))
        return (_without_activity(e) for e in population if keep(e))

    def _plan(self, app_id: str, segment: Mapping[str, Any]) -> Plan:
        return plan(segment, lambda source: self.get(app_id, source))

    def _population(self, app_id: str, steps: Plan, shards: Sequence[int] | None) -> Iterator[Endpoint]:
        if steps.imported_source is not None:
            return self._members(app_id, steps.imported_source["Id"])
        channels = steps.channels if steps.channels is not None else [c.value for c in ChannelType]
        return itertools.chain.from_iterable(
            self.endpoints.by_channel(app_id, channel, shards, with_activity=True)
            for channel in sorted(channels)
        )

    def _members(
        self, app_id: str, segment_id: str, part: tuple[int, int] | None = None
    ) -> Iterator[Endpoint]:
        """The members in file order; `part` (n, of N): only those of part n."""
        location = self.repository.members(app_id, segment_id)
        if location is None:
            raise NotFoundError(f"imported segment {segment_id!r} has no member list")
        seen: set[str] = set()  # a file may list an endpoint twice, in different chunks
        listed = self.member_lists.read(location)
        if part is not None:
            listed = (i for i in listed if member_part(i, part[1]) == part[0])
        for batch in itertools.batched(listed, MEMBER_BATCH, strict=False):
            fresh = [i for i in dict.fromkeys(batch) if i not in seen]
            seen.update(fresh)
            order = {endpoint_id: n for n, endpoint_id in enumerate(fresh)}
            found = self.endpoints.get_many(app_id, fresh)
            yield from sorted(found, key=lambda e: order[e["Id"]])


def _without_activity(endpoint: Endpoint) -> Endpoint:
    """The endpoint as Pinpoint's EndpointResponse has it (its last activity judged, then dropped)."""
    if LAST_ACTIVITY not in endpoint:
        return endpoint
    return {k: v for k, v in endpoint.items() if k != LAST_ACTIVITY}
