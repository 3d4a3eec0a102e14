"""Pinpoint's PutEvents: an EventsRequest's BatchItem holds, per endpoint id, an optional endpoint
update and a map of events by event id. Each endpoint update and each event is answered on its own
(202 Accepted, or 400 with the reason), as Pinpoint answered them; accepted events go to the event
stream under their own event ids, so a client that sends a batch again sends the same events (the
consumers downstream, event-triggered campaigns among them, act once per event id).

Pinpoint's limits: at most 100 events per request; per event at most 40 attribute and metric
keys, attribute and metric names of at most 50 characters, attribute values of at most 200, and an
event type of at most 50 characters."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from engage import clock
from engage.contacts.model import check_app_id, check_endpoint_id
from engage.errors import ValidationError
from engage.events import EVENT_TYPE_TEXT, Event, printable_event_type

MAX_EVENTS = 100
MAX_KEYS = 40
MAX_NAME = 50
MAX_VALUE = 200
MAX_EVENT_TYPE = 50
ACCEPTED = {"StatusCode": 202, "Message": "Accepted"}


class Endpoints(Protocol):
    def upsert(self, app_id: str, endpoint_id: str, request: Mapping[str, Any]) -> Any: ...
    def record_activity(self, app_id: str, endpoint_id: str, at: str) -> None: ...


@dataclass(frozen=True)
class Ingested:
    response: dict[str, Any]  # Pinpoint's EventsResponse
    events: list[Event]  # the accepted events, for the stream


def put_events(app_id: str, request: Any, endpoints: Endpoints) -> Ingested:
    """Checks the request, applies the endpoint updates and answers every item; returns the
    accepted events for the caller to put on the stream (before it answers)."""
    check_app_id(app_id)
    batch = request.get("BatchItem") if isinstance(request, Mapping) else None
    if not isinstance(batch, Mapping) or not batch:
        raise ValidationError("EventsRequest.BatchItem", "must map endpoint ids to their endpoint and events")
    total = sum(len(item.get("Events") or {}) for item in batch.values() if isinstance(item, Mapping))
    if total > MAX_EVENTS:
        raise ValidationError(
            "EventsRequest.BatchItem", f"holds {total} events; at most {MAX_EVENTS} per request"
        )
    results: dict[str, Any] = {}
    accepted: list[Event] = []
    for endpoint_id, item in batch.items():
        results[endpoint_id] = _item(app_id, endpoint_id, item, endpoints, accepted.append)
    return Ingested({"Results": results}, accepted)


def record_activity(app_id: str, events: Sequence[Event], endpoints: Endpoints) -> None:
    """Each endpoint's latest accepted event becomes its last activity (what Behavior.Recency
    judges); a device clock ahead of ours counts as now. Called once the events are on the stream."""
    now_ms = int(clock.time() * 1000)
    latest: dict[str, int] = {}
    for event in events:
        at = min(event.timestamp_ms or now_ms, now_ms)
        latest[event.endpoint_id] = max(latest.get(event.endpoint_id, 0), at)
    for endpoint_id, at in latest.items():
        moment = datetime.fromtimestamp(at / 1000, UTC)
        endpoints.record_activity(
            app_id, endpoint_id, moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )


def _item(
    app_id: str, endpoint_id: str, item: Any, endpoints: Endpoints, accept: Callable[[Event], None]
) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        return {"EndpointItemResponse": _refused(ValidationError(endpoint_id, "must be an object"))}
    try:
        check_endpoint_id(endpoint_id)
    except ValidationError as exc:
        return {"EndpointItemResponse": _refused(exc)}
    answer: dict[str, Any] = {}
    if "Endpoint" in item:  # botocore always sends one; an empty one changes nothing
        try:
            if item["Endpoint"]:
                endpoints.upsert(app_id, endpoint_id, item["Endpoint"])
            answer["EndpointItemResponse"] = dict(ACCEPTED)
        except ValidationError as exc:
            answer["EndpointItemResponse"] = _refused(exc)
    events: dict[str, Any] = {}
    for event_id, event in (item.get("Events") or {}).items():
        try:
            accept(_event(app_id, endpoint_id, str(event_id), event))
            events[event_id] = dict(ACCEPTED)
        except ValidationError as exc:
            events[event_id] = _refused(exc)
    answer["EventsItemResponse"] = events
    return answer


def _event(app_id: str, endpoint_id: str, event_id: str, event: Any) -> Event:
    if not isinstance(event, Mapping):
        raise ValidationError("Event", "must be an object")
    event_type = event.get("EventType")
    if not isinstance(event_type, str) or not event_type.strip() or len(event_type) > MAX_EVENT_TYPE:
        raise ValidationError("Event.EventType", f"is required, at most {MAX_EVENT_TYPE} characters")
    if not printable_event_type(event_type):
        raise ValidationError("Event.EventType", f"must be {EVENT_TYPE_TEXT}")
    attributes = event.get("Attributes") or {}
    metrics = event.get("Metrics") or {}
    if not isinstance(attributes, Mapping) or not isinstance(metrics, Mapping):
        raise ValidationError("Event.Attributes", "attributes and metrics are objects")
    if len(attributes) + len(metrics) > MAX_KEYS:
        raise ValidationError("Event.Attributes", f"at most {MAX_KEYS} attribute and metric keys")
    for name, value in attributes.items():
        if len(str(name)) > MAX_NAME or not isinstance(value, str) or len(value) > MAX_VALUE:
            raise ValidationError(
                f"Event.Attributes.{name}",
                f"names of at most {MAX_NAME} and string values of at most {MAX_VALUE}",
            )
    for name, value in metrics.items():
        if len(str(name)) > MAX_NAME or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(f"Event.Metrics.{name}", f"names of at most {MAX_NAME} and numeric values")
        if not math.isfinite(value):
            raise ValidationError(f"Event.Metrics.{name}", "must be a finite number")
    return Event(
        event_type=event_type,
        app_id=app_id,
        endpoint_id=endpoint_id,
        attributes=dict(attributes),
        metrics={k: float(v) for k, v in metrics.items()},
        timestamp_ms=_timestamp_ms(event.get("Timestamp")),
        session=_session(event.get("Session")),
        client_context=_client(event),
        event_id=event_id,
    )


def _timestamp_ms(value: Any) -> int:
    if not isinstance(value, str):
        raise ValidationError("Event.Timestamp", "is required (ISO 8601)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("Event.Timestamp", f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:  # as datetime.isoformat() writes it (the ISV guide's examples): UTC
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _session(session: Any) -> dict[str, Any] | None:
    if session is None:
        return None
    if not isinstance(session, Mapping) or not session.get("Id") or not session.get("StartTimestamp"):
        raise ValidationError("Event.Session", "a session needs an Id and a StartTimestamp")
    record = {"session_id": str(session["Id"]), "start_timestamp": _timestamp_ms(session["StartTimestamp"])}
    if session.get("StopTimestamp"):
        record["stop_timestamp"] = _timestamp_ms(session["StopTimestamp"])
    if session.get("Duration") is not None:
        record["duration"] = int(session["Duration"])
    return record


def _client(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The app fields of Pinpoint's event, as the stream's client context."""
    fields = {
        "app_title": event.get("AppTitle"),
        "app_package_name": event.get("AppPackageName"),
        "app_version_code": event.get("AppVersionCode"),
        "sdk_name": event.get("SdkName"),
        "client_sdk_version": event.get("ClientSdkVersion"),
    }
    present = {k: v for k, v in fields.items() if v}
    return {"client": present} if present else None


def _refused(exc: ValidationError) -> dict[str, Any]:
    return {"StatusCode": 400, "Message": str(exc)}
