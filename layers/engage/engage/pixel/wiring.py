"""The pixel's composition root: its settings, read from the function's environment, and its use
case built once per execution environment (on first use) with the shared client factory, the
queue and the secret. The pixel's handler takes its use case from here and nothing else.

The pixel sits on page loads, so its cold start counts: nothing here is imported that a bare boto3
and the pixel's own modules would not load, and the secret's adapter (Powertools Parameters) only
when a request with user attributes needs the keys."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from engage import clock
from engage.adapters.clients import clients
from engage.adapters.sqs.pixel_queue import PixelQueue
from engage.config import EnvironmentSettings
from engage.pixel.hits import PixelHits
from engage.pixel.model import PixelRules

if TYPE_CHECKING:
    from engage.pixel.ingest import HitIngest


def names(value: str) -> frozenset[str]:
    """A comma-separated list's names (the template joins a CommaDelimitedList with commas)."""
    return frozenset(n.strip() for n in value.split(",") if n.strip())


@dataclass(frozen=True)
class PixelSettings(EnvironmentSettings):
    """The pixel function's variables; `require` names one that is missing (a ValidationError)."""

    ENV_NAMES: ClassVar[Mapping[str, str]] = {
        "application_id": "PIXEL_APPLICATION_ID",
        "queue_url": "PIXEL_QUEUE_URL",
        "secret_arn": "PIXEL_SECRET_ARN",
    }

    application_id: str = ""  # PIXEL_APPLICATION_ID (required)
    queue_url: str = ""  # PIXEL_QUEUE_URL
    secret_arn: str = ""  # PIXEL_SECRET_ARN: the keys tokens are signed with
    user_attributes: frozenset[str] = frozenset()  # PIXEL_USER_ATTRIBUTES: the names `usat_` may set
    allowed_origins: frozenset[str] = frozenset()  # PIXEL_ALLOWED_ORIGINS, lower-cased, no trailing /
    max_parameters: int = 40  # PIXEL_MAX_PARAMETERS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> PixelSettings:
        return cls(
            application_id=environ.get("PIXEL_APPLICATION_ID", ""),
            queue_url=environ.get("PIXEL_QUEUE_URL", ""),
            secret_arn=environ.get("PIXEL_SECRET_ARN", ""),
            user_attributes=names(environ.get("PIXEL_USER_ATTRIBUTES", "")),
            allowed_origins=frozenset(
                o.lower().rstrip("/") for o in names(environ.get("PIXEL_ALLOWED_ORIGINS", ""))
            ),
            max_parameters=int(environ.get("PIXEL_MAX_PARAMETERS", "40")),
        )

    @property
    def rules(self) -> PixelRules:
        return PixelRules(
            self.require("application_id"), self.user_attributes, self.allowed_origins, self.max_parameters
        )


@functools.cache
def settings() -> PixelSettings:
    return PixelSettings.from_env()


@functools.cache
def pixel() -> PixelHits:
    """The pixel's use case: a hit read, queued and counted."""
    config = settings()

    def secrets() -> list[bytes]:
        from engage.adapters.secretsmanager.secrets import (
            signing_keys,  # only requests with user attributes need it
        )

        return signing_keys(clients.client("secretsmanager"), config.require("secret_arn"))

    queue = PixelQueue(clients.client("sqs"), config.require("queue_url"))
    return PixelHits(config.rules, secrets, queue, clock.time)


@functools.cache
def hit_ingest() -> HitIngest:
    """The hits' consumer (pixel_events). Its modules are imported here, when it is built, so the
    pixel's own cold start loads none of them."""
    from engage.api.ingest import put_events
    from engage.events import emit
    from engage.pixel.ingest import HitIngest
    from engage.runtime import services

    return HitIngest(
        services.known_applications.require,
        lambda app_id, request: put_events(app_id, request, services.contacts),
        lambda events: emit(events, services.event_stream),
    )
