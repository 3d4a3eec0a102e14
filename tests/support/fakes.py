"""In-memory stand-ins for the ports of the segment and phone-validation domain (unit tests)."""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from engage.errors import ThrottledError


class MemoryEndpoints:
    shard_count = 8

    def __init__(self, endpoints: Sequence[Mapping[str, Any]] = ()) -> None:
        self.by_id: dict[tuple[str, str], dict[str, Any]] = {}
        self.activity: dict[tuple[str, str], str] = {}  # last activity, as the store keeps it
        self.reads = 0
        for endpoint in endpoints:
            self.add(endpoint)

    def add(self, endpoint: Mapping[str, Any]) -> None:
        self.by_id[(endpoint["ApplicationId"], endpoint["Id"])] = dict(endpoint)

    def by_channel(
        self, app_id: str, channel: str, shards: Sequence[int] | None = None, with_activity: bool = False
    ) -> Iterator[dict]:
        from engage.contacts.store import LAST_ACTIVITY

        for (app, endpoint_id), endpoint in sorted(self.by_id.items()):
            shard = zlib.crc32(endpoint_id.encode()) % self.shard_count
            if app == app_id and endpoint["ChannelType"] == channel and (shards is None or shard in shards):
                self.reads += 1
                active = self.activity.get((app, endpoint_id)) if with_activity else None
                yield {**endpoint, LAST_ACTIVITY: active} if active else endpoint

    def part(
        self,
        app_id: str,
        part: int,
        parts: int,
        channels: Sequence[str] | None = None,
        with_activity: bool = False,
    ) -> Iterator[dict]:
        """The repository's parallel-scan part: each endpoint in the part its key hashes to."""
        from engage.contacts.store import LAST_ACTIVITY

        for (app, endpoint_id), endpoint in sorted(self.by_id.items()):
            in_part = zlib.crc32(f"EP#{app}#{endpoint_id}".encode()) % parts == part
            if app == app_id and in_part and (channels is None or endpoint["ChannelType"] in channels):
                self.reads += 1
                active = self.activity.get((app, endpoint_id)) if with_activity else None
                yield {**endpoint, LAST_ACTIVITY: active} if active else endpoint

    def stored_items(self) -> int:
        return len(self.by_id)

    def record_activity(self, app_id: str, endpoint_id: str, at: str) -> None:
        if (app_id, endpoint_id) in self.by_id:
            self.activity[(app_id, endpoint_id)] = max(self.activity.get((app_id, endpoint_id), ""), at)

    def get_many(self, app_id: str, endpoint_ids: Sequence[str]) -> list[dict]:
        return [self.by_id[(app_id, i)] for i in endpoint_ids if (app_id, i) in self.by_id]

    def get(self, app_id: str, endpoint_id: str) -> dict:
        from engage.errors import NotFoundError

        if (app_id, endpoint_id) not in self.by_id:
            raise NotFoundError(f"endpoint {endpoint_id!r} does not exist")
        return dict(self.by_id[(app_id, endpoint_id)])

    def get_user_endpoints(self, app_id: str, user: str) -> list[dict]:
        return [
            dict(e)
            for (app, _i), e in sorted(self.by_id.items())
            if app == app_id and e.get("User", {}).get("UserId") == user
        ]

    def delete(self, app_id: str, endpoint_id: str) -> dict:
        return self.by_id.pop((app_id, endpoint_id))

    def find_by_address(self, app_id: str, channel: str, address: str) -> list[dict]:
        from engage.addresses import address_key

        key = address_key(channel, address)
        return [
            dict(e)
            for (app, _i), e in sorted(self.by_id.items())
            if app == app_id and address_key(e["ChannelType"], e["Address"]) == key  # SMS finds VOICE too
        ]

    def modify(self, app_id: str, endpoint_id: str, change: Any) -> dict | None:
        """ContactStore.modify: the change computed from the endpoint as stored, then merged (one
        writer here, so no version to check)."""
        wanted = change(self.get(app_id, endpoint_id))
        return self.upsert(app_id, endpoint_id, wanted) if wanted else None

    def upsert(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> dict:
        """Merges into the endpoint, creating it when new (as UpdateEndpoint does)."""
        endpoint = self.by_id.setdefault((app_id, endpoint_id), {"ApplicationId": app_id, "Id": endpoint_id})
        for key, value in request.items():
            if key == "Attributes":  # replaced per name; an empty list removes the name, as the store does
                merged = {**endpoint.get("Attributes", {}), **value}
                endpoint["Attributes"] = {name: values for name, values in merged.items() if values}
            else:
                endpoint[key] = value
        return endpoint


class MemorySegments:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[dict, str | None]] = {}

    def put(self, segment: dict, members: str | None = None) -> None:
        self.items[(segment["ApplicationId"], segment["Id"])] = (segment, members)

    def get(self, app_id: str, segment_id: str) -> dict | None:
        found = self.items.get((app_id, segment_id))
        return found[0] if found else None

    def members(self, app_id: str, segment_id: str) -> str | None:
        found = self.items.get((app_id, segment_id))
        return found[1] if found else None

    def list(self, app_id: str) -> list[dict]:
        return [s for (app, _), (s, _) in self.items.items() if app == app_id]

    def delete(self, app_id: str, segment_id: str) -> None:
        self.items.pop((app_id, segment_id), None)


class MemoryMemberLists:
    def __init__(self, lists: Mapping[str, list[list[str]]] | None = None) -> None:
        self.lists = dict(lists or {})

    def read(self, location: str) -> Iterator[str]:
        for part in self.lists.get(location, []):
            yield from part


class MemoryNumberCache:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.items: dict[str, dict[str, Any]] = {}

    def answers(self, numbers: Sequence[str]) -> dict[str, dict]:
        return {
            n: self.items[n]["answer"]
            for n in numbers
            if n in self.items and self.items[n]["state"] == "DONE" and self.items[n]["expires"] > self.now
        }

    def claim(self, number: str, owner: str, seconds: int) -> bool:
        held = self.items.get(number)
        if held and held["expires"] > self.now:
            return False
        self.items[number] = {"state": "PENDING", "owner": owner, "expires": self.now + seconds}
        return True

    def store(self, number: str, answer: Mapping[str, Any], ttl_seconds: int) -> None:
        self.items[number] = {"state": "DONE", "answer": dict(answer), "expires": self.now + ttl_seconds}

    def release(self, number: str, owner: str) -> None:
        held = self.items.get(number)
        if held and held["state"] == "PENDING" and held["owner"] == owner:
            del self.items[number]


class ScriptedValidator:
    """Answers like the service (from phonenumbers' data); throttles the calls numbered in
    `throttle_calls` (1-based) and fails outright for numbers in `broken`."""

    def __init__(self, throttle_calls: Sequence[int] = (), broken: Sequence[str] = ()) -> None:
        from engage_local.emulators.phone import validate_number

        self.answer = validate_number
        self.throttle_calls = set(throttle_calls)
        self.broken = set(broken)
        self.calls: list[str] = []

    def validate(self, number: str, iso_country: str | None) -> dict[str, Any]:
        from engage.errors import EngageError

        self.calls.append(number)
        if len(self.calls) in self.throttle_calls:
            raise ThrottledError("PhoneNumberValidate: TooManyRequestsException")
        if number in self.broken:
            raise EngageError("PhoneNumberValidate: BadRequestException")
        return self.answer({"PhoneNumber": number, "IsoCountryCode": iso_country})


class MemoryTemplates:
    def __init__(self) -> None:
        self.heads: dict[tuple[str, str], dict[str, int]] = {}
        self.versions_by_key: dict[tuple[str, str, int], dict[str, Any]] = {}

    def head(self, kind: str, name: str) -> dict[str, int] | None:
        return self.heads.get((kind, name))

    def version(self, kind: str, name: str, version: int) -> dict[str, Any] | None:
        return self.versions_by_key.get((kind, name, version))

    def save(self, template: dict[str, Any], latest: int, active: int, expected_latest: int) -> None:
        from engage.errors import ConflictError

        key = (template["TemplateType"], template["TemplateName"])
        if self.heads.get(key, {"latest": 0})["latest"] != expected_latest:
            raise ConflictError("the template changed concurrently")
        self.versions_by_key[(*key, int(template["Version"]))] = dict(template)
        self.heads[key] = {"latest": latest, "active": active}

    def set_active(self, kind: str, name: str, active: int) -> None:
        self.heads[(kind, name)]["active"] = active

    def versions(self, kind: str, name: str) -> list[dict[str, Any]]:
        return [dict(v) for key, v in self.versions_by_key.items() if key[:2] == (kind, name)]

    def names(self) -> list[tuple[str, str]]:
        return sorted(self.heads, key=lambda t: (t[1], t[0]))

    def delete_version(self, kind: str, name: str, version: int) -> None:
        del self.versions_by_key[(kind, name, version)]

    def delete(self, kind: str, name: str) -> None:
        del self.heads[(kind, name)]
        for key in [k for k in self.versions_by_key if k[:2] == (kind, name)]:
            del self.versions_by_key[key]


class MemoryLedger:
    def __init__(self) -> None:
        from engage.sending.ledger import Record

        self.records: dict[str, Record] = {}

    def claim(self, key: str, attempt: str, now: float, replacing: str | None = None) -> bool:
        from engage.sending.ledger import Record, Status

        held = self.records.get(key)
        if held is not None and not (
            replacing and held.status == Status.SENDING and held.attempt == replacing
        ):
            return False
        self.records[key] = Record(Status.SENDING, attempt, now)
        return True

    def get(self, key: str) -> Any:
        return self.records.get(key)

    def finish(self, key: str, attempt: str, status: Any, message_id: str | None, reason: str | None) -> None:
        from dataclasses import replace

        held = self.records.get(key)
        if held is not None and held.attempt == attempt:
            self.records[key] = replace(held, status=status, message_id=message_id, reason=reason)

    def release(self, key: str, attempt: str) -> None:
        held = self.records.get(key)
        if held is not None and held.attempt == attempt and held.status == "SENDING":
            del self.records[key]


class MemoryBuckets:
    def __init__(self) -> None:
        self.buckets: dict[str, Any] = {}
        self.writes = 0

    def read(self, identity: str) -> Any:
        return self.buckets.get(identity)

    def write(self, identity: str, bucket: Any, expected_version: int | None) -> None:
        from engage.errors import ConflictError

        held = self.buckets.get(identity)
        if (held.version if held else None) != expected_version:
            raise ConflictError(f"the token bucket of {identity} changed concurrently")
        self.writes += 1
        self.buckets[identity] = bucket


class MemoryConsent:
    def __init__(self, *records: Any) -> None:
        self.records = {(r.app_id, r.channel.value, r.key): r for r in records}

    def record(self, record: Any) -> bool:
        """As the consent store: a decision older than the one stored does not replace it."""
        key = (record.app_id, record.channel.value, record.key)
        held = self.records.get(key)
        if held is not None and held.recorded_at > record.recorded_at:
            return False
        self.records[key] = record
        return True

    def get(self, app_id: str, channel: str, address: str) -> Any:
        from engage.addresses import address_key

        return self.records.get((app_id, str(channel), address_key(channel, address)))


class MemorySuppressions:
    def __init__(self, *entries: Any) -> None:
        self.entries = list(entries)

    def suppress(self, entry: Any) -> None:
        self.entries.append(entry)

    def get(self, app_id: str, channel: str, address: str) -> list:
        from engage.addresses import address_key

        key = address_key(channel, address)
        return [e for e in self.entries if (e.app_id, e.channel.value, e.key) == (app_id, str(channel), key)]


class MemoryArchive:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = body

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


class MemoryStream:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def put_records(self, entries: Sequence[tuple[bytes, str]]) -> list[str | None]:
        import json

        self.records.extend(json.loads(data) for data, _key in entries)
        return [None] * len(entries)


class ScriptedChannel:
    """Email and text channels that record what they send and answer each call from a script:
    None sends, an exception class (or instance) is raised."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.sent: list[dict[str, Any]] = []

    def _next(self, sent: dict[str, Any]) -> str:
        step = self.script.pop(0) if self.script else None
        if step is not None:
            raise step
        message_id = f"m-{len(self.sent) + 1}"
        self.sent.append({**sent, "MessageId": message_id})
        return message_id

    def send(self, raw: bytes, sender: str, recipient: str, tags: Mapping[str, str] | None = None) -> str:
        return self._next({"raw": raw, "sender": sender, "to": recipient, "tags": dict(tags or {})})

    def send_text(
        self,
        destination: str,
        body: str,
        message_type: str = "",
        context: Any = None,
        origination: Any = None,
    ) -> str:
        sent = {
            "to": destination,
            "body": body,
            "type": message_type,
            "context": context,
            "from": origination,
        }
        return self._next(sent)

    def send_push(self, channel: str, token: str, message: Any, context: Any = None) -> str:
        return self._next({"channel": channel, "to": token, "message": dict(message), "context": context})

    def send_voice(
        self,
        destination: str,
        body: str,
        voice_id: Any = None,
        ssml: bool = False,
        context: Any = None,
        origination: Any = None,
    ) -> str:
        sent = {"to": destination, "body": body, "voice": voice_id, "ssml": ssml, "from": origination}
        return self._next(sent)


class MemoryQueue:
    def __init__(self, refuse: Sequence[int] = ()) -> None:
        self.bodies: list[str] = []
        self.fifo: list[tuple[str, str]] = []  # (group, deduplication id) of each body on a FIFO queue
        self.refuse = set(refuse)

    def enqueue(self, bodies: Sequence[str], groups=None, dedup_ids=None) -> list[str | None]:
        ids: list[str | None] = []
        for n, body in enumerate(bodies):
            if len(self.bodies) in self.refuse:
                self.refuse.discard(len(self.bodies))
                ids.append(None)
                continue
            self.bodies.append(body)
            if groups and dedup_ids:
                self.fifo.append((groups[n], dedup_ids[n]))
            ids.append(f"q-{len(self.bodies)}")
        return ids


class MemoryReports:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.writes = 0

    def write_stream(self, bucket: str, key: str, chunks, content_type: str) -> str:
        self.objects[(bucket, key)] = b"".join(chunks)
        self.writes += 1
        return key


class MemoryDropStore:
    """The SMS drops' store in memory, with the DynamoDB store's semantics."""

    def __init__(self) -> None:
        self.drops: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, dict[int, Any]] = {}

    def start(self, drop, now: float):
        self.drops.setdefault(drop.drop_id, {"bucket": drop.bucket, "key": drop.key})
        self.rows.setdefault(drop.drop_id, {})
        return self.progress(drop.drop_id)

    def record(self, drop_id: str, results) -> None:
        for result in results:
            self.rows.setdefault(drop_id, {})[result.line] = result

    def finish_reading(self, drop_id: str, rows: int, rejected: int, queued: int, file_error) -> None:
        self.drops[drop_id].update(
            rows=rows, rejected=rejected, queued=queued, read=True, file_error=file_error
        )

    def settle(self, drop_id: str, result) -> bool:
        rows = self.rows.setdefault(drop_id, {})
        if result.line in rows:
            return False
        rows[result.line] = result
        drop = self.drops.setdefault(drop_id, {})
        drop["settled"] = drop.get("settled", 0) + 1
        return True

    def progress(self, drop_id: str):
        from engage.sms.drop import Progress

        drop = self.drops.get(drop_id)
        if not drop or "bucket" not in drop:
            return None
        return Progress(
            **{k: v for k, v in drop.items() if k != "reported_at"}, reported="reported_at" in drop
        )

    def results(self, drop_id: str):
        rows = self.rows.get(drop_id, {})
        return iter([rows[line] for line in sorted(rows)])

    def reported(self, drop_id: str, now: float) -> None:
        self.drops[drop_id]["reported_at"] = now


class MemoryCaps:
    """CapCounter in memory, with the DynamoDB store's rules (engage.sending.caps)."""

    def __init__(self) -> None:
        from engage.sending.caps import Count

        self.counts: dict[tuple[str, ...], Count] = defaultdict(Count)
        self.sends: set[str] = set()

    def allows(self, caps: Any, now: float) -> bool:
        from engage.sending.caps import allows

        return all(allows(s, self.counts[(caps.app_id, s.name, caps.endpoint_id)], now) for s in caps.scopes)

    def take(self, caps: Any, key: str, now: float) -> bool:
        from engage.sending.caps import counted

        if key in self.sends:
            return True
        if not self.allows(caps, now):
            return False
        for scope in caps.scopes:
            where = (caps.app_id, scope.name, caps.endpoint_id)
            self.counts[where] = counted(self.counts[where], now)
        self.sends.add(key)
        return True


class MemoryApplications:
    """ApplicationStore and RemovalProgress in memory, with the DynamoDB store's conditions."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def create(self, record: dict[str, Any]) -> None:
        from engage.errors import ConflictError

        app_id = record["application"]["Id"]
        existing = self.records.get(app_id)
        if existing and (existing.get("removal") or {}).get("Status") != "COMPLETED":
            raise ConflictError(f"application {app_id} exists")
        self.records[app_id] = json.loads(json.dumps(record))

    def get(self, app_id: str) -> dict[str, Any] | None:
        record = self.records.get(app_id)
        return json.loads(json.dumps(record)) if record else None

    def list(self) -> list[dict[str, Any]]:
        return [json.loads(json.dumps(r)) for r in self.records.values()]

    def _live(self, app_id: str) -> dict[str, Any]:
        from engage.errors import NotFoundError

        record = self.records.get(app_id)
        if record is None or record.get("deleted"):
            raise NotFoundError(app_id)
        return record

    def put_settings(self, app_id: str, settings: dict[str, Any]) -> None:
        self._live(app_id)["settings"] = json.loads(json.dumps(settings))

    def put_application(self, application: dict[str, Any]) -> None:
        self._live(application["Id"])["application"] = json.loads(json.dumps(application))

    def put_event_stream(self, app_id: str, stream: dict[str, Any] | None) -> None:
        record = self._live(app_id)
        if stream is None:
            record.pop("event_stream", None)
        else:
            record["event_stream"] = json.loads(json.dumps(stream))

    def put_channel(self, app_id: str, platform: str, channel: dict[str, Any] | None) -> None:
        record = self._live(app_id)
        if channel is None:
            record.pop(f"channel_{platform}", None)
        else:
            record[f"channel_{platform}"] = json.loads(json.dumps(channel))

    def mark_deleted(self, app_id: str, when: str) -> dict[str, Any] | None:
        record = self.records.get(app_id)
        if record is None or record.get("deleted"):
            return None
        before = json.loads(json.dumps(record))
        record.update(deleted=when, removal={"Status": "IN_PROGRESS", "Started": when})
        return before

    def removal(self, app_id: str) -> dict[str, Any] | None:
        record = self.records.get(app_id)
        return json.loads(json.dumps(record["removal"])) if record and record.get("removal") else None

    def save_removal(self, app_id: str, removal: dict[str, Any]) -> None:
        assert self.records[app_id].get("deleted"), "only a deleted application's removal is saved"
        self.records[app_id]["removal"] = json.loads(json.dumps(removal))


class MemoryTombstones:
    """The CDC tombstones (deleted customers' endpoints) in memory: the latest burial of each."""

    def __init__(self) -> None:
        self.at: dict[tuple[str, str], str] = {}

    def buried_at(self, app_id: str, endpoint_id: str) -> str | None:
        return self.at.get((app_id, endpoint_id))

    def bury(self, app_id: str, endpoint_id: str, at: str) -> None:
        self.at[(app_id, endpoint_id)] = max(at, self.at.get((app_id, endpoint_id), ""))
