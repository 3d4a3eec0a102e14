"""The lake area's composition root: its settings, read from the function's environment, and its use
cases built once per execution environment with the shared client factory and the adapters. The
lake's handlers reach AWS only through the accessors here; nothing else in engage.lake imports an
adapter."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from engage.adapters.athena.queries import AthenaQueries
from engage.adapters.clients import with_credentials
from engage.adapters.cloudformation.response import respond
from engage.adapters.dynamodb.campaigns import DynamoCampaignStore
from engage.adapters.dynamodb.journeys import DynamoJourneyStore
from engage.adapters.dynamodb.segments import DynamoSegmentStore
from engage.adapters.eventbridge.bus import EventBus
from engage.adapters.kinesis.customer_streams import SESSION_NAME as STREAM_SESSION
from engage.adapters.kinesis.customer_streams import CustomerStreams
from engage.adapters.s3.lake_files import LakeFiles
from engage.adapters.s3.objects import ObjectStore
from engage.adapters.sts.role_clients import RoleClients
from engage.applications import EventStreamDestinations
from engage.config import EnvironmentSettings
from engage.lake.channel_events import ChannelEvents, stream_put
from engage.lake.erasure import LakeErasure
from engage.lake.event_export import EventExport
from engage.lake.feedback_bus import FeedbackPublisher
from engage.lake.names import NamesExport
from engage.lake.views import ViewsResource
from engage.runtime import services

# Each event is put once for a week: a redelivered message or a replayed batch does not count twice.
IDEMPOTENCY = IdempotencyConfig(event_key_jmespath="event_id", expires_after_seconds=7 * 24 * 3600)
# Powertools keys an idempotency record by the decorated function's module and qualified name: these
# are the names the channel_events handler's own put had, so records kept before the put moved to the
# layer still stop a redelivered event.
PUT_ONCE_MODULE, PUT_ONCE_NAME = "app", "put_once.<locals>.put"


@dataclass(frozen=True)
class LakeSettings(EnvironmentSettings):
    """What the lake's functions read from their environment; each function is given its own."""

    events_bucket: str = ""
    lake_erasure_queue_url: str = ""
    campaigns_table: str = ""
    segments_table: str = ""
    journeys_table: str = ""
    engagement_bus: str = ""
    idempotency_table: str = ""

    ENV_NAMES: ClassVar[dict[str, str]] = {
        "events_bucket": "EVENTS_BUCKET",
        "lake_erasure_queue_url": "LAKE_ERASURE_QUEUE_URL",
        "campaigns_table": "CAMPAIGNS_TABLE",
        "segments_table": "SEGMENTS_TABLE",
        "journeys_table": "JOURNEYS_TABLE",
        "engagement_bus": "ENGAGEMENT_BUS",
        "idempotency_table": "IDEMPOTENCY_TABLE",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> LakeSettings:
        return cls(**{f.name: environ.get(cls.ENV_NAMES[f.name], "") for f in fields(cls)})


@functools.cache
def lake_erasure() -> LakeErasure:
    """Erasure from the lake's files, what is left queued again on the lake erasure queue."""
    settings = LakeSettings.from_env()
    lake = LakeFiles(services.factory.client("s3"), settings.require("events_bucket"))

    def requeue(body: str) -> None:
        services.factory.client("sqs").send_message(
            QueueUrl=settings.require("lake_erasure_queue_url"), MessageBody=body
        )

    return LakeErasure(lake, services.address_pseudonym, requeue, clock=lake.clock)


@functools.cache
def names_export() -> NamesExport:
    """The names of the campaigns, segments and journeys tables, written into the events bucket."""
    settings, dynamodb = LakeSettings.from_env(), services.factory.client("dynamodb")
    objects = ObjectStore(services.factory.client("s3"))
    return NamesExport(
        DynamoCampaignStore(settings.require("campaigns_table"), dynamodb),
        DynamoSegmentStore(settings.require("segments_table"), dynamodb),
        functools.partial(objects.write, settings.require("events_bucket")),
        DynamoJourneyStore(settings.require("journeys_table"), dynamodb),
    )


@functools.cache
def views_resource() -> ViewsResource:
    """The views custom resource on Athena; the client is made inside the resource's answer, so even
    a failure to make it reaches CloudFormation."""

    def queries(workgroup: str, database: str, max_wait_seconds: float) -> AthenaQueries:
        client = services.factory.client("athena")
        return AthenaQueries(client, workgroup, database, max_wait_seconds=max_wait_seconds)

    return ViewsResource(queries, respond)


@functools.cache
def feedback_publisher() -> FeedbackPublisher:
    """Feedback onto the engagement bus."""
    bus_name = LakeSettings.from_env().require("engagement_bus")
    return FeedbackPublisher(EventBus(services.factory.client("events")), bus_name)


@functools.cache
def channel_events() -> ChannelEvents:
    """Channel records onto the engagement stream, each event once (Powertools idempotency, its
    records in the idempotency table)."""
    persistence = DynamoDBPersistenceLayer(
        table_name=LakeSettings.from_env().require("idempotency_table"),
        boto3_client=services.factory.client("dynamodb"),
    )
    put = stream_put(services.event_stream)
    put.__module__, put.__qualname__ = PUT_ONCE_MODULE, PUT_ONCE_NAME
    put_once = idempotent_function(
        put, data_keyword_argument="event", persistence_store=persistence, config=IDEMPOTENCY
    )
    return ChannelEvents(put_once, IDEMPOTENCY.register_lambda_context)


@functools.cache
def event_export() -> EventExport:
    """PutEventStream's delivery: each application's events to its stream, as the role it names."""
    factory = services.factory
    delivery = CustomerStreams(
        RoleClients(
            factory.client("sts"),
            lambda service, credentials: with_credentials(factory, credentials).client(service),
            STREAM_SESSION,
        )
    )
    return EventExport(EventStreamDestinations(services.applications), delivery)
