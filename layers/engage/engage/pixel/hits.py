"""Recording a pixel hit: the request read (engage.pixel.model), the hit queued for the event
ingestion and counted; bad input is counted by reason and logged without the visitor's data. Only
a queue that refuses the hit makes the answer a 503; every answer is the GIF (the handler's), so
the tag never breaks a page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from engage.obs import logger, metrics
from engage.pixel.model import PixelRefused, PixelRules, allowed_origin, read_hit


class HitQueue(Protocol):
    def put(self, body: str) -> None:
        """Queues one hit for the event ingestion; raises when the queue refuses it."""
        ...


@dataclass(frozen=True)
class PixelAnswer:
    status: int  # 200, or 503 when the hit could not be queued
    origin: str | None  # the Origin to allow (Access-Control-Allow-Origin), when it is an allowed one


class PixelHits:
    def __init__(
        self,
        rules: PixelRules,
        secrets: Callable[[], Sequence[bytes]],
        queue: HitQueue,
        clock: Callable[[], float],
    ) -> None:
        """`secrets` reads the pixel secret's keys: called only for requests with user attributes."""
        self.rules, self.secrets, self.queue, self.clock = rules, secrets, queue, clock

    def record(
        self, parameters: Mapping[str, Sequence[str]], headers: Mapping[str, str], request_id: str
    ) -> PixelAnswer:
        """Records the request's hit, if it has one; the answer's status and allowed origin."""
        status = 200
        try:
            hit = read_hit(parameters, headers, request_id, self.clock(), self.rules, self.secrets)
            self.queue.put(hit.to_body())
            metrics.add_metric(name="PixelHits", unit="Count", value=1)
            for reason in hit.dropped:
                metrics.add_metric(name=f"PixelDropped_{reason}", unit="Count", value=1)
                logger.info("pixel user attributes dropped", extra={"reason": reason})
        except PixelRefused as exc:
            metrics.add_metric(name=f"PixelRefused_{exc.code}", unit="Count", value=1)
            logger.info("pixel hit refused", extra={"reason": exc.code})
        except Exception:  # noqa: BLE001 - answered 503 and counted: the page must still load
            logger.exception("pixel hit could not be queued")
            metrics.add_metric(name="PixelQueueFailures", unit="Count", value=1)
            status = 503
        return PixelAnswer(status, allowed_origin(headers, self.rules.allowed_origins))
