"""The audience area's composition root: its settings, read from the function's environment, and its
use cases built on the shared stores (engage.runtime's services): erasing a person (the event lake's
part queued to its own function), closing a phone-validation run, the opt-in sync from a customer
database, and the event-driven segment rules."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engage.adapters.clients import with_credentials
from engage.adapters.dynamodb.contacts import DynamoTombstones
from engage.adapters.pinpoint.phone import DynamoNumberCache
from engage.adapters.s3.as_role import RoleWriters
from engage.adapters.sqs.queue import MessageQueue
from engage.audience.erasure import Erasure
from engage.audience.optin_sync import Columns, OptInSync
from engage.audience.phone.runs import ValidationPart, ValidationSelect, settle
from engage.audience.rule_batches import RuleBatches
from engage.audience.segment_rules import parse_rules
from engage.config import EnvironmentSettings
from engage.jobs import JobClosing
from engage.lake.erasure import Person
from engage.runtime import services
from engage.segments.export import run_export

# The opt-in sync's column names in the customer table (unset or empty: Columns' defaults).
COLUMN_VARIABLES = (
    ("key", "KEY_COLUMN"),
    ("phone", "PHONE_COLUMN"),
    ("opt_in", "OPT_IN_COLUMN"),
    ("last_update", "LAST_UPDATE_COLUMN"),
)


@dataclass(frozen=True)
class AudienceSettings(EnvironmentSettings):
    """What the area's functions read from their environment; None where a variable without a
    default is not set (`require` names it)."""

    lake_erasure_queue_url: str = ""  # LAKE_ERASURE_QUEUE_URL: the event lake's erasures (lake_erasure)
    # the opt-in sync
    opt_in_sync_application_id: str | None = None  # OPT_IN_SYNC_APPLICATION_ID
    columns: Columns = field(default_factory=Columns)  # KEY_COLUMN, ...
    default_phone_region: str | None = None  # DEFAULT_PHONE_REGION (empty: none)
    rejects_queue_url: str | None = None  # REJECTS_QUEUE_URL
    # the event-driven segments
    segment_rules: str | None = None  # SEGMENT_RULES: JSON (engage.audience.segment_rules.parse_rules)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> AudienceSettings:
        return cls(
            lake_erasure_queue_url=environ.get("LAKE_ERASURE_QUEUE_URL", ""),
            opt_in_sync_application_id=environ.get("OPT_IN_SYNC_APPLICATION_ID"),
            columns=Columns(**{name: environ[var] for name, var in COLUMN_VARIABLES if environ.get(var)}),
            default_phone_region=environ.get("DEFAULT_PHONE_REGION") or None,
            rejects_queue_url=environ.get("REJECTS_QUEUE_URL"),
            segment_rules=environ.get("SEGMENT_RULES"),
        )


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


@functools.cache
def opt_in_sync() -> OptInSync:
    """The use case applying the customer database's changes (one application's customers)."""
    area = settings()
    return OptInSync(
        app_id=area.require("opt_in_sync_application_id"),
        columns=area.columns,
        default_region=area.default_phone_region,
        applications=services.known_applications,
        endpoints=services.contacts,
        consents=services.consent,
        tombstones=DynamoTombstones(
            services.settings.require("contacts_table"), services.factory.client("dynamodb")
        ),
        rejects=MessageQueue(services.factory.client("sqs"), area.require("rejects_queue_url")),
    )


@functools.cache
def rule_batches() -> RuleBatches:
    """Event-driven segments: the configured rules (a bad configuration fails here, loudly) on the
    contact store."""
    return RuleBatches(parse_rules(settings().require("segment_rules")), services.contacts)


def export_segment(job: Mapping[str, Any]) -> dict[str, Any]:
    """A segment's export job run to its end: its endpoints in parts under the work bucket's
    exports/, or in the caller's bucket as the role the job names."""
    config = services.settings
    writers = RoleWriters(
        lambda bucket, key, body: services.objects.write(bucket, key, body, "application/gzip"),
        services.factory.client("sts"),
        lambda credentials: with_credentials(services.factory, credentials).client("s3"),
    )
    return run_export(
        job,
        services.segment_service.evaluate,
        services.jobs,
        writers,
        int(config.export_part_size),
        [config.require("work_bucket")],
    )


@functools.cache
def validation_select() -> ValidationSelect:
    config = services.settings
    return ValidationSelect(
        services.applications,
        services.jobs,
        services.segment_service,
        services.objects,
        config.require("work_bucket"),
        float(config.phone_validate_rate),
        int(config.validation_concurrency),
        int(config.validation_part_size),
    )


@functools.cache
def validation_part() -> ValidationPart:
    config = services.settings
    cache = DynamoNumberCache(config.require("phone_cache_table"), services.factory.client("dynamodb"))
    return ValidationPart(
        services.contacts,
        cache,
        services.number_validator,
        services.objects,
        services.jobs,
        config.default_country or None,
        int(config.phone_cache_ttl_days) * 86400,
    )
