"""The Pinpoint API's composition root: its operations that take more than one store, built on the
shared stores (engage.runtime's services)."""

from __future__ import annotations

import functools

from engage.api.resources import Jobs, SegmentRemoval
from engage.runtime import services


@functools.cache
def jobs() -> Jobs:
    config = services.settings
    return Jobs(
        services.jobs,
        services.segment_service,
        services.import_workflow.start,
        services.export_runner.start,
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
