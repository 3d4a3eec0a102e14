"""The applications area's composition root: the `Custom::PinpointApp` resource built on the shared
application service (engage.runtime's services) and CloudFormation's response. Its functions read
nothing from the environment beyond what engage.runtime's services do."""

from __future__ import annotations

import functools

from engage.adapters.cloudformation.response import respond
from engage.applications.resource import ApplicationResource
from engage.runtime import services


@functools.cache
def application_resource() -> ApplicationResource:
    return ApplicationResource(lambda: services.applications, respond)
