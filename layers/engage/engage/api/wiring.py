"""The Pinpoint API's composition root: its operations that take more than one store, and the direct
sends it hands to the sending area's function, built on the shared stores (engage.runtime's services)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from engage.adapters.lambda_.direct import DIRECT_SEND_WAIT_SECONDS, LambdaDirectSends
from engage.adapters.lambda_.functions import AsyncStarter
from engage.api.resources import Jobs, SegmentRemoval
from engage.api.tags import Resource, Tagged, Tagging
from engage.runtime import services


@functools.cache
def jobs() -> Jobs:
    config = services.settings
    return Jobs(
        services.jobs,
        services.segment_service,
        services.import_workflow.start,
        AsyncStarter(services.factory.client("lambda"), config.require("export_function")).start,
        config.require("work_bucket"),
        int(config.import_concurrency),
    )


@functools.cache
def segment_removal() -> SegmentRemoval:
    return SegmentRemoval(
        services.segments.members,
        services.segment_service.delete,
        services.campaigns.list,
        services.objects.delete_prefix,
    )


@functools.cache
def direct_sends() -> LambdaDirectSends:
    """SendMessages and SendUsersMessages, answered by the sending area's DirectSendFunction before
    the API answers. One attempt: a retried invocation could send again; it answers within its
    timeout."""
    client = services.factory.client("lambda", max_attempts=1, read_timeout=DIRECT_SEND_WAIT_SECONDS)
    return LambdaDirectSends(client, services.settings.require("direct_send_function"))


@functools.cache
def tagging() -> Tagging:
    """TagResource and its kin, over each kind's own store."""
    apps, templates = services.applications, services.templates

    def app_tags(resource: Resource, tags: Mapping[str, str]) -> None:
        apps.store.put_application({**apps.get(resource.app_id), "tags": dict(tags)})

    def template_tags(resource: Resource, tags: Mapping[str, str]) -> None:
        templates.get(resource.template_type, resource.resource_id)  # NotFound first
        templates.repository.set_tags(resource.template_type, resource.resource_id, tags)

    def documents(get: Any, store: Any) -> Tagged:
        return Tagged(
            lambda r: get(r.app_id, r.resource_id),
            lambda r, tags: store.set_tags(r.app_id, r.resource_id, tags),
        )

    return Tagging(
        {
            "application": Tagged(lambda r: apps.get(r.app_id), app_tags),
            "campaign": documents(services.campaigns.get, services.campaigns.store),
            "segment": documents(services.segment_service.get, services.segments),
            "journey": documents(services.journeys.get, services.journeys.store),
            "template": Tagged(lambda r: templates.get(r.template_type, r.resource_id), template_tags),
        }
    )
