"""Clients signed as a role a customer named (their event stream's, their recommender's, their
contact center's): STS AssumeRole, the client kept until shortly before its credentials expire, so a
busy function assumes each role about once an hour, not once per call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code
from engage.errors import ValidationError
from engage.retry import THROTTLING_CODES, TRANSIENT_CODES

RENEW_BEFORE_SECONDS = 300.0


def refusal(exc: ClientError, field: str, reason: str) -> Exception:
    """What a call made as a customer's role answered, as the caller should raise it: what retrying
    can't change (the role may not, the resource is missing) refuses the work, naming the member of
    the customer's request at fault and AWS's code; throttling and transient errors stay as they are,
    and the work is retried."""
    code = error_code(exc)
    if code in THROTTLING_CODES or code in TRANSIENT_CODES:
        return exc
    return ValidationError(field, f"{reason} ({code}: {exc.response.get('Error', {}).get('Message', '')})")


class RoleClients:
    """`sts`: a boto3 STS client; `client_as(service, credentials)`: a client of `service` signed with
    AssumeRole's temporary `Credentials`. AssumeRole's errors (ClientError) reach the caller, which
    knows whether they refuse the work or delay it."""

    def __init__(
        self,
        sts: Any,
        client_as: Callable[[str, Mapping[str, Any]], Any],
        session_name: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sts = sts
        self.client_as = client_as
        self.session_name = session_name
        self.clock = clock
        self._clients: dict[tuple[str, str], tuple[Any, float]] = {}
        self._lock = threading.Lock()

    def client(self, service: str, role_arn: str) -> Any:
        with self._lock:
            kept = self._clients.get((service, role_arn))
            if kept is not None and kept[1] - RENEW_BEFORE_SECONDS > self.clock():
                return kept[0]
        credentials = self.sts.assume_role(RoleArn=role_arn, RoleSessionName=self.session_name)["Credentials"]
        client = self.client_as(service, credentials)
        with self._lock:
            self._clients[(service, role_arn)] = (client, credentials["Expiration"].timestamp())
        return client
