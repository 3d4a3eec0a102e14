"""The audience area's composition root: its settings, read from the function's environment, and its
use cases built on the shared stores (engage.runtime's services): erasing a person (the event lake's
part queued to its own function) and closing a phone-validation run."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from engage.audience.erasure import Erasure
from engage.audience.phone.runs import settle
from engage.jobs import JobClosing
from engage.lake.erasure import Person
from engage.runtime import services


@dataclass(frozen=True)
class AudienceSettings:
    lake_erasure_queue_url: str = ""  # where the event lake's erasures are queued (lake_erasure)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> AudienceSettings:
        return cls(lake_erasure_queue_url=environ.get("LAKE_ERASURE_QUEUE_URL", ""))


@functools.cache
def settings() -> AudienceSettings:
    return AudienceSettings.from_env()


def _queue_lake_erasure(person: Person) -> None:
    services.factory.client("sqs").send_message(
        QueueUrl=settings().lake_erasure_queue_url, MessageBody=json.dumps(person.to_dict())
    )


@functools.cache
def erasure() -> Erasure:
    return Erasure(
        services.contacts,
        services.consent,
        services.suppression,
        services.archive,
        services.address_pseudonym,
        _queue_lake_erasure,
    )


@functools.cache
def validation_closing() -> JobClosing:
    return JobClosing(services.jobs, "validation run", settle)
