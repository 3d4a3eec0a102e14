"""The services a function uses, built once per execution environment from its environment
variables and the shared client factory, and only when first used (cold starts stay short)."""

from __future__ import annotations

from functools import cached_property

from engage.adapters.clients import ClientFactory, clients
from engage.adapters.consent_dynamodb import DynamoConsentStore
from engage.adapters.contacts_dynamodb import DynamoEndpointRepository
from engage.adapters.functions import AsyncStarter
from engage.adapters.jobs_dynamodb import DynamoJobStore
from engage.adapters.kinesis import KinesisEventStream
from engage.adapters.objects import ObjectStore, S3MemberLists, WorkflowStarter
from engage.adapters.phone import DynamoNumberCache, PinpointNumberValidator
from engage.adapters.segments_dynamodb import DynamoSegmentStore
from engage.adapters.suppression_dynamodb import DynamoSuppressionList
from engage.config import Settings
from engage.contacts import ContactStore
from engage.segments.service import Segments


class Services:
    def __init__(self, settings: Settings | None = None, factory: ClientFactory = clients) -> None:
        self._settings = settings
        self.factory = factory

    @cached_property
    def settings(self) -> Settings:
        return self._settings or Settings.from_env(ssm_client=None)

    @cached_property
    def contacts(self) -> ContactStore:
        table = self.settings.require("contacts_table")
        return ContactStore(DynamoEndpointRepository(table, self.factory.client("dynamodb")))

    @cached_property
    def consent(self) -> DynamoConsentStore:
        return DynamoConsentStore(self.settings.require("consent_table"), self.factory.client("dynamodb"))

    @cached_property
    def suppression(self) -> DynamoSuppressionList:
        return DynamoSuppressionList(
            self.settings.require("suppression_table"), self.factory.client("dynamodb")
        )

    @cached_property
    def event_stream(self) -> KinesisEventStream:
        return KinesisEventStream(self.settings.require("event_stream"), self.factory.client("kinesis"))

    @cached_property
    def jobs(self) -> DynamoJobStore:
        return DynamoJobStore(self.settings.require("jobs_table"), self.factory.client("dynamodb"))

    @cached_property
    def segments(self) -> DynamoSegmentStore:
        return DynamoSegmentStore(self.settings.require("segments_table"), self.factory.client("dynamodb"))

    @cached_property
    def segment_service(self) -> Segments:
        return Segments(
            self.segments,
            DynamoEndpointRepository(
                self.settings.require("contacts_table"), self.factory.client("dynamodb")
            ),
            S3MemberLists(self.objects),
        )

    @cached_property
    def number_cache(self) -> DynamoNumberCache:
        return DynamoNumberCache(self.settings.require("phone_cache_table"), self.factory.client("dynamodb"))

    @cached_property
    def number_validator(self) -> PinpointNumberValidator:
        return PinpointNumberValidator(self.factory.client("pinpoint", max_attempts=1))

    @cached_property
    def export_runner(self) -> AsyncStarter:
        return AsyncStarter(self.factory.client("lambda"), self.settings.require("export_function"))

    @cached_property
    def objects(self) -> ObjectStore:
        return ObjectStore(self.factory.client("s3"))

    @cached_property
    def import_workflow(self) -> WorkflowStarter:
        return WorkflowStarter(self.factory.client("stepfunctions"), self.settings.require("import_workflow"))


services = Services()
