"""The Pinpoint API's composition root: its operations that take more than one store, the direct
sends it hands to the sending area's function, built on the shared stores (engage.runtime's services),
and the metrics it reads from the event lake on Athena."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from engage import clock
from engage.adapters.athena.queries import AthenaQueries
from engage.adapters.lambda_.direct import DIRECT_SEND_WAIT_SECONDS, LambdaDirectSends
from engage.adapters.lambda_.functions import AsyncStarter
from engage.api.kpis import DateRangeKpis
from engage.api.resources import Jobs, SegmentRemoval
from engage.api.tags import Resource, Tagged, Tagging
from engage.config import EnvironmentSettings
from engage.runtime import services

# How long a metric's query may run: API Gateway gives up on the function after 29 s.
KPI_QUERY_SECONDS = 20.0


@dataclass(frozen=True)
class LakeQuerySettings(EnvironmentSettings):
    """Where the metrics are read: the event lake's Glue database and its Athena workgroup."""

    lake_database: str = ""
    lake_workgroup: str = ""

    ENV_NAMES: ClassVar[dict[str, str]] = {
        "lake_database": "LAKE_DATABASE",
        "lake_workgroup": "LAKE_WORKGROUP",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> LakeQuerySettings:
        return cls(**{f.name: environ.get(cls.ENV_NAMES[f.name], "") for f in fields(cls)})


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


@functools.cache
def date_range_kpis() -> DateRangeKpis:
    """GetApplicationDateRangeKpi and GetCampaignDateRangeKpi, one Athena query of the lake each,
    given up (and stopped) after KPI_QUERY_SECONDS."""
    settings = LakeQuerySettings.from_env()
    queries = AthenaQueries(
        services.factory.client("athena"),
        settings.require("lake_workgroup"),
        settings.require("lake_database"),
        max_wait_seconds=KPI_QUERY_SECONDS,
    )
    return DateRangeKpis(queries, services.campaigns.get, clock.time)


def console_cors(environ: Mapping[str, str] = os.environ) -> Any:
    """The CORS answer of the API's own responses for the web console's origin (CONSOLE_ORIGIN), or
    None without one: API Gateway answers the preflight, but through the Lambda proxy integration a
    response's Access-Control-Allow-Origin is the function's to give. The error type and request id
    are exposed, so the console can show why a call failed."""
    from aws_lambda_powertools.event_handler import CORSConfig

    origin = environ.get("CONSOLE_ORIGIN", "").strip()
    if not origin:
        return None
    return CORSConfig(
        allow_origin=origin,
        allow_headers=[
            "authorization",
            "content-type",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-content-sha256",
        ],
        expose_headers=["x-amzn-ErrorType", "x-amzn-RequestId"],
        max_age=600,
    )


@functools.cache
def erasures() -> Any:
    """The console's erasure route, run by the audience area's erasure function."""
    from engage.adapters.lambda_.functions import LambdaErasures

    return LambdaErasures(services.factory.client("lambda"), services.settings.require("erasure_function"))


@functools.cache
def approvals() -> Any:
    """The console's approval of a chained campaign run: the run's record, and the chain's
    waiting step answered through Step Functions."""
    from engage.adapters.stepfunctions.tasks import TaskAnswers
    from engage.campaigns.runs import ApprovalDecision

    return ApprovalDecision(services.jobs, TaskAnswers(services.factory.client("stepfunctions")).answer)
