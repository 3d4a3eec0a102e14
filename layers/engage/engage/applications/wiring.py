"""The applications' composition root: the `Custom::PinpointApp` resource built on the shared
application service (engage.runtime's services) and CloudFormation's response, and the removal of a
deleted application's data. Its functions read nothing from the environment beyond what
engage.runtime's services do."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from engage.adapters.cloudformation.response import respond
from engage.adapters.dynamodb.applications import (
    DynamoApplicationStore,
    DynamoTableSweeper,
    S3ObjectSweeper,
    removal_plan,
)
from engage.applications.removal import RemovalStep, remove_application_data
from engage.applications.resource import ApplicationResource
from engage.runtime import services


@functools.cache
def application_resource() -> ApplicationResource:
    return ApplicationResource(lambda: services.applications, respond)


def _remove(app_id: str, time_left: Callable[[], bool]) -> dict[str, Any]:
    settings = services.settings
    tables = {
        "contacts": settings.contacts_table,
        "consent": settings.consent_table,
        "suppression": settings.suppression_table,
        "jobs": settings.jobs_table,
        "segments": settings.segments_table,
        "campaigns": settings.campaigns_table,
        "journeys": settings.journeys_table,
        "journey_participants": settings.journey_participants_table,
        "sends": settings.sends_table,
    }
    dynamodb = services.factory.client("dynamodb")
    return remove_application_data(
        app_id,
        removal_plan(app_id, tables, {"work": settings.work_bucket, "archive": settings.archive_bucket}),
        DynamoTableSweeper(dynamodb),
        S3ObjectSweeper(services.objects),
        DynamoApplicationStore(settings.require("applications_table"), dynamodb),
        time_left,
    )


@functools.cache
def removal_step() -> RemovalStep:
    """A deleted application's data removed, a step per invocation (engage.applications.removal)."""
    return RemovalStep(_remove, lambda request: services.applications.removal.start(request))
