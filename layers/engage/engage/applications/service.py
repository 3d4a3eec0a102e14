"""Pinpoint's application operations over a store: CreateApp, GetApp, GetApps, DeleteApp,
GetApplicationSettings and UpdateApplicationSettings, and the existence check every
application-scoped operation and flow makes first (NotFoundException for an id never created, or
deleted, as Pinpoint answered).

DeleteApp answers at once with the deleted application; its data (endpoints, segments, campaigns
and their schedules, jobs, consent, suppression, the send ledger, member lists, the archive) is
removed in the background by the removal function, whose progress the application's record keeps
(`removal`), as Pinpoint removed a project's data after answering."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engage import clock
from engage.applications.channels import (
    channel_response,
    channels_summary,
    kind_at,
    updated_channel,
)
from engage.applications.channels import disabled as channel_disabled
from engage.applications.event_streams import event_stream
from engage.applications.model import (
    APPLICATION_ID,
    KEEP_ID_TAG,
    MAX_APPLICATIONS,
    new_application,
    settings_resource,
    updated_settings,
)
from engage.errors import ConflictError, LimitExceededError, NotFoundError, ValidationError


class ApplicationStore(Protocol):
    def create(self, record: dict[str, Any]) -> None:
        """Writes a new record; ConflictError when a live application has its id."""
        ...

    def get(self, app_id: str) -> dict[str, Any] | None:
        """The record (`application`, `settings`, and for a deleted one `deleted` and `removal`)."""
        ...

    def list(self) -> list[dict[str, Any]]:
        """Every record, live and deleted."""
        ...

    def put_settings(self, app_id: str, settings: dict[str, Any]) -> None:
        """Replaces a live application's settings; NotFoundError when it is gone."""
        ...

    def put_application(self, application: dict[str, Any]) -> None:
        """Replaces a live application's ApplicationResponse; NotFoundError when it is gone."""
        ...

    def mark_deleted(self, app_id: str, when: str) -> dict[str, Any] | None:
        """Marks a live application deleted; its record as it was, or None when it was not live."""
        ...

    def put_channel(self, app_id: str, platform: str, channel: dict[str, Any] | None) -> None:
        """Replaces (None: removes) one of a live application's channels; NotFoundError when it is gone."""
        ...

    def put_event_stream(self, app_id: str, stream: dict[str, Any] | None) -> None:
        """Replaces (None: removes) a live application's event stream; NotFoundError when it is gone."""
        ...


class PushChannels(Protocol):
    """The push service's channels (the surviving Pinpoint push project): it keeps the credentials."""

    def update(self, platform: str, request: dict[str, Any]) -> None: ...

    def delete(self, platform: str) -> None: ...


CHANNEL_PREFIX = "channel_"  # a record's channels: channel_<Platform>


def channel_records(record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """An application record's channels, by Platform."""
    return {
        k.removeprefix(CHANNEL_PREFIX): dict(v) for k, v in record.items() if k.startswith(CHANNEL_PREFIX)
    }


class RemovalStarter(Protocol):
    def start(self, event: dict[str, Any]) -> None:
        """Starts removing a deleted application's data (asynchronously): {"ApplicationId": ...}."""
        ...


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Applications:
    store: ApplicationStore
    arn_prefix: str  # arn:<partition>:mobiletargeting:<region>:<account>:apps/ ("": can't create)
    removal: RemovalStarter | None = None
    # Stops what would act for the application later (its campaigns' schedules), before it goes.
    before_delete: Callable[[str], None] = lambda _app_id: None
    new_id: Callable[[], str] = field(default=_new_id)
    push_channels: PushChannels | None = None

    def create(self, request: Any) -> dict[str, Any]:
        if not self.arn_prefix:
            raise ValidationError("AWS_ACCOUNT_ID", "this function can't create applications (no account id)")
        application = new_application(request, self.arn_prefix, clock.iso_now(), self.new_id)
        if sum(1 for record in self.store.list() if not record.get("deleted")) >= MAX_APPLICATIONS:
            raise LimitExceededError("CreateApplicationRequest", f"an account has at most {MAX_APPLICATIONS}")
        try:
            self.store.create({"application": application, "settings": {}})
        except ConflictError:
            raise ConflictError(f"application {application['Id']} already exists") from None
        return application

    def get(self, app_id: str) -> dict[str, Any]:
        return self.require(app_id)["application"]

    def require(self, app_id: str) -> dict[str, Any]:
        """The live application's record; NotFoundError for an id never created, or deleted."""
        record = self.store.get(app_id) if isinstance(app_id, str) and APPLICATION_ID.match(app_id) else None
        if record is None or record.get("deleted"):
            raise NotFoundError(f"Application not found: {app_id}")
        return record

    def list(self) -> list[dict[str, Any]]:
        """Live applications, oldest first."""
        live = [r["application"] for r in self.store.list() if not r.get("deleted")]
        return sorted(live, key=lambda a: (a["CreationDate"], a["Id"]))

    def rename(self, app_id: str, request: Any) -> dict[str, Any]:
        """A new Name and tags for a live application, its id kept (what a Custom::PinpointApp
        update does; the id tag can't change an id)."""
        current = self.get(app_id)
        changed = new_application(request, self.arn_prefix, current["CreationDate"], lambda: app_id)
        if changed["Id"] != app_id:
            raise ValidationError(f"tags.{KEEP_ID_TAG}", "an application's id can't change")
        self.store.put_application(changed)
        return changed

    def delete(self, app_id: str) -> dict[str, Any]:
        """Stops what would act for the application, asks for its data's removal, then marks it
        deleted: in that order, no failure leaves a deleted application whose data nobody removes
        (a removal that arrives before the mark is retried by its queue)."""
        self.require(app_id)
        self.before_delete(app_id)
        if self.removal is not None:
            self.removal.start({"ApplicationId": app_id})
        record = self.store.mark_deleted(app_id, clock.iso_now())
        if record is None:  # deleted by someone else meanwhile
            raise NotFoundError(f"Application not found: {app_id}")
        return record["application"]

    def settings(self, app_id: str) -> dict[str, Any]:
        """The application's settings as stored (the defaults its campaigns inherit)."""
        return dict(self.require(app_id).get("settings") or {})

    def get_settings(self, app_id: str) -> dict[str, Any]:
        return settings_resource(app_id, self.settings(app_id))

    def update_settings(self, app_id: str, request: Any) -> dict[str, Any]:
        settings = updated_settings(self.settings(app_id), request, clock.iso_now())
        self.store.put_settings(app_id, settings)
        return settings_resource(app_id, settings)

    def channel(self, app_id: str, path: str) -> dict[str, Any]:
        kind = kind_at(path)
        record = channel_records(self.require(app_id)).get(kind.platform)
        if record is None:
            raise NotFoundError(f"the application has no {kind.platform} channel")
        return channel_response(kind, app_id, record)

    def channels(self, app_id: str) -> dict[str, Any]:
        """GetChannels."""
        return channels_summary(app_id, channel_records(self.require(app_id)))

    def channel_states(self, app_id: str) -> dict[str, dict[str, Any]]:
        """The application's channel records, by Platform (what a send checks)."""
        return channel_records(self.require(app_id))

    def update_channel(self, app_id: str, path: str, request: Any, who: str) -> dict[str, Any]:
        kind = kind_at(path)
        current = channel_records(self.require(app_id)).get(kind.platform)
        record, forwarded = updated_channel(kind, current, request, clock.iso_now(), who)
        if forwarded:
            if self.push_channels is None:
                raise ValidationError(
                    kind.request, "this stack sends no push notifications (no PushProjectId)"
                )
            self.push_channels.update(kind.platform, forwarded)
        self.store.put_channel(app_id, kind.platform, record)
        return channel_response(kind, app_id, record)

    def delete_channel(self, app_id: str, path: str) -> dict[str, Any]:
        """Removes the channel and answers it as it was. A push channel's credentials leave the push
        service when no other application has that channel (the push project is the stack's)."""
        answer = self.channel(app_id, path)
        kind = kind_at(path)
        self.store.put_channel(app_id, kind.platform, None)
        if kind.push and self.push_channels is not None:
            others = [
                r
                for r in self.store.list()
                if not r.get("deleted") and f"{CHANNEL_PREFIX}{kind.platform}" in r
            ]
            if not others:
                self.push_channels.delete(kind.platform)
        return answer

    def put_event_stream(self, app_id: str, request: Any, who: str) -> dict[str, Any]:
        """PutEventStream: where the application's events go, and the role they are written as."""
        stream = event_stream(app_id, request, clock.iso_now(), who)
        self.require(app_id)
        self.store.put_event_stream(app_id, stream)
        return stream

    def event_stream(self, app_id: str) -> dict[str, Any]:
        """GetEventStream; NotFoundError when the application has none."""
        stream = self.require(app_id).get("event_stream")
        if not stream:
            raise NotFoundError(f"application {app_id} has no event stream")
        return dict(stream)

    def delete_event_stream(self, app_id: str) -> dict[str, Any]:
        """DeleteEventStream: answers the stream as it was."""
        stream = self.event_stream(app_id)
        self.store.put_event_stream(app_id, None)
        return stream


@dataclass
class KnownApplications:
    """Existence checks for consumers that see many records of few applications (the pixel, inbound
    SMS, the opt-in sync): a live application is remembered for `ttl_seconds`, an unknown one is
    asked again each time, so creating it takes effect at once and deleting it within the TTL."""

    applications: Applications
    ttl_seconds: float = 60.0
    _known: dict[str, float] = field(default_factory=dict)

    def require(self, app_id: str) -> None:
        now = clock.time()
        if self._known.get(app_id, 0.0) > now:
            return
        self.applications.require(app_id)
        self._known[app_id] = now + self.ttl_seconds

    def settings(self, app_id: str) -> dict[str, Any]:
        return self.applications.settings(app_id)


@dataclass
class ChannelSwitches:
    """Which of an application's channels are turned off, asked when each message goes out; an
    application's channels are remembered `ttl_seconds` (a send batch reads them once)."""

    applications: Applications
    ttl_seconds: float = 5.0
    _seen: dict[str, tuple[float, dict[str, dict[str, Any]]]] = field(default_factory=dict)

    def disabled(self, app_id: str, channel: str) -> bool:
        now = clock.time()
        seen = self._seen.get(app_id)
        if seen is None or seen[0] <= now:
            try:
                records = self.applications.channel_states(app_id)
            except NotFoundError:
                records = {}  # a deleted application's sends are settled by the checks that follow
            seen = (now + self.ttl_seconds, records)
            self._seen[app_id] = seen
        return channel_disabled(seen[1], channel)


@dataclass
class EventStreamDestinations:
    """Each application's event stream, for the function that delivers events to it: remembered
    `ttl_seconds`, so a PutEventStream or DeleteEventStream takes effect within that time."""

    applications: Applications
    ttl_seconds: float = 60.0
    _seen: dict[str, tuple[float, dict[str, Any] | None]] = field(default_factory=dict)

    def of(self, app_id: str) -> dict[str, Any] | None:
        now = clock.time()
        seen = self._seen.get(app_id)
        if seen is None or seen[0] <= now:
            try:
                stream = self.applications.require(app_id).get("event_stream")
            except NotFoundError:
                stream = None  # a deleted application's events go nowhere
            seen = (now + self.ttl_seconds, dict(stream) if stream else None)
            self._seen[app_id] = seen
        return seen[1]
