"""Clients signed as a role a customer named (their event stream's, their recommender's, their
contact center's): STS AssumeRole, the client kept until shortly before its credentials expire, so a
busy function assumes each role about once an hour, not once per call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

RENEW_BEFORE_SECONDS = 300.0


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
