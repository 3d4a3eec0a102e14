"""The Pinpoint API's composition root: its operations that take more than one store, and the direct
sends it hands to the sending area's function, built on the shared stores (engage.runtime's services)."""

from __future__ import annotations

import functools

from engage.adapters.lambda_.direct import DIRECT_SEND_WAIT_SECONDS, LambdaDirectSends
from engage.adapters.lambda_.functions import AsyncStarter
from engage.api.resources import Jobs, SegmentRemoval
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
