"""The copying area's composition root: its settings, read from the function's environment, and the
project copy custom resource built on the Pinpoint-compatible API's adapter, the shared client
factory and CloudFormation's response."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

from engage.adapters.cloudformation.response import respond
from engage.adapters.pinpoint.project import projects
from engage.copying.resource import Apis, ProjectCopyResource
from engage.runtime import services


@dataclass(frozen=True)
class CopySettings:
    pinpoint_api_url: str = ""  # this stack's API: a side's default, and always allowed
    other_api_arns: str = ""  # the execute-api ARNs of the other stacks a copy may reach
    allow_local_apis: bool = False  # an API on this machine may be reached (the local stack)
    region: str = ""  # a side's default Region: the function's own

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> CopySettings:
        return cls(
            pinpoint_api_url=environ.get("PINPOINT_API_URL", ""),
            other_api_arns=environ.get("OTHER_API_ARNS", ""),
            allow_local_apis=environ.get("ALLOW_LOCAL_APIS") == "true",
            region=environ.get("AWS_REGION", ""),
        )


@functools.cache
def settings() -> CopySettings:
    return CopySettings.from_env()


@functools.cache
def project_copy() -> ProjectCopyResource:
    """The `Custom::ProjectCopy` resource: each side reached through a client the factory signs."""
    config = settings()
    return ProjectCopyResource(
        Apis(config.pinpoint_api_url, config.region, config.other_api_arns, config.allow_local_apis),
        lambda source, target: projects(
            lambda url, region: services.factory.pinpoint_api(url, region), source, target
        ),
        respond,
    )
