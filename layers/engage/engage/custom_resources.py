"""What the project's CloudFormation custom resources share: the port that answers CloudFormation's
request (engage.adapters.cloudformation.response.respond, a PUT to its ResponseURL)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Respond(Protocol):
    """Answers a custom resource's request."""

    def __call__(
        self,
        event: Mapping[str, Any],
        status: str,
        physical_id: str,
        data: Mapping[str, Any] | None = None,
        reason: str = "",
    ) -> None: ...
