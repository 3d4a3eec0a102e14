"""The pixel's hits, taken off their queue and put as PutEvents would put them (pixel_events): kept
apart from engage.pixel.hits, which the pixel itself loads on every cold start."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from engage.api.ingest import Ingested
from engage.events import Event
from engage.pixel.model import events_request


@dataclass
class HitIngest:
    """A queued hit, put as PutEvents would (engage.api.ingest): its endpoint written, its events on
    the stream; the items the ingestion refused are returned with their answers."""

    require_application: Callable[[str], object]  # raises when the application does not exist
    put: Callable[[str, Mapping], Ingested]  # put_events, on the contact store
    emit: Callable[[Sequence[Event]], object]  # onto the event stream

    def ingest(self, hit: Mapping) -> tuple[int, list[Mapping]]:
        """(events emitted, refused answers). The application's error when it does not exist (the
        hit waits in the DLQ)."""
        app_id = str(hit.get("ApplicationId"))
        self.require_application(app_id)
        ingested = self.put(app_id, events_request(hit))
        if ingested.events:
            self.emit(ingested.events)
        refused = [
            answer
            for item in ingested.response["Results"].values()
            for answer in [item.get("EndpointItemResponse"), *item.get("EventsItemResponse", {}).values()]
            if answer and answer["StatusCode"] != 202
        ]
        return len(ingested.events), refused
