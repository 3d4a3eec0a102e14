"""The single factory of AWS clients: standard retry mode, the configured region, endpoints from
`AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` (botocore reads them), created lazily and reused.

Every other module asks this one for a client, so retry policy, timeouts and endpoint overrides are
decided in one place; tests swap the factory instead of patching boto3.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.loaders import Loader

DEFAULT_MAX_ATTEMPTS = 5
READ_TIMEOUT = 30


class _SearchPaths(list[str]):
    """A loader's search paths that take each folder once (boto3 adds its own at every session)."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


_loader: list[Loader] = []
_loader_lock = threading.Lock()


def shared_loader() -> Loader:
    """The process's one reader of botocore's and boto3's data (service models, endpoints,
    partitions), which keeps what it has read. A new botocore session would otherwise read and
    decode each file again: measured, over half the time of creating a client from a new session."""
    with _loader_lock:
        if not _loader:
            # AWS_DATA_PATH's folders first, as botocore's own loader takes them.
            paths = os.environ.get("AWS_DATA_PATH", "").split(os.pathsep)
            extra = [os.path.expanduser(os.path.expandvars(p)) for p in paths if p]
            _loader.append(Loader(extra_search_paths=_SearchPaths(extra)))
        return _loader[0]


def new_session(**settings: Any) -> boto3.session.Session:
    """`boto3.session.Session(**settings)` (credentials and region resolved as boto3 does, per
    session) reading AWS's data through the shared loader."""
    core = botocore.session.Session()
    core.register_component("data_loader", shared_loader())
    return boto3.session.Session(botocore_session=core, **settings)


class ClientFactory:
    """Creates each service's client once per process (boto3 clients are thread-safe once built)."""

    def __init__(
        self,
        region: str | None = None,
        max_attempts: int | None = None,
        session: boto3.session.Session | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self._region = region
        self._endpoint_url = endpoint_url  # else botocore reads AWS_ENDPOINT_URL[_<SERVICE>]
        self._max_attempts = max_attempts
        self._session = session
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def endpoint_url(self) -> str | None:
        return self._endpoint_url

    @property
    def region(self) -> str:
        return (
            self._region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1"
        )

    def config(
        self, max_attempts: int | None = None, service: str | None = None, read_timeout: float | None = None
    ) -> Config:
        attempts = (
            max_attempts
            or self._max_attempts
            or int(os.environ.get("AWS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
        )
        return Config(
            region_name=self.region,
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=5,
            read_timeout=read_timeout or READ_TIMEOUT,
            tcp_keepalive=True,
            # S3's pre-signed URLs are SigV4 (botocore would presign with the deprecated SigV2).
            **({"signature_version": "s3v4"} if service == "s3" else {}),
        )

    def client(self, service: str, max_attempts: int | None = None, read_timeout: float | None = None) -> Any:
        """The service's client; `max_attempts=1` gives one without botocore's retries, for a
        caller that paces and backs off itself and must see every throttle; `read_timeout` one
        that waits longer than READ_TIMEOUT for an answer (a function invoked synchronously)."""
        name = service if max_attempts is None else f"{service}#{max_attempts}"
        name += "" if read_timeout is None else f"@{read_timeout:g}"
        return self._cached(
            name,
            lambda session: session.client(
                service,
                config=self.config(max_attempts, service, read_timeout),
                endpoint_url=self._endpoint_url,
            ),
        )

    def pinpoint_api(self, endpoint_url: str, region: str) -> Any:
        """boto3's pinpoint client for a Pinpoint-compatible API (this product's, in any region),
        signed for API Gateway, with this factory's retry policy."""
        from engage.adapters.pinpoint.client import pinpoint_client

        return self._cached(
            f"pinpoint-api@{region}@{endpoint_url}",
            lambda session: pinpoint_client(endpoint_url, region, session, self.config()),
        )

    def _cached(self, name: str, build: Callable[[boto3.session.Session], Any]) -> Any:
        found = self._clients.get(name)
        if found is not None:
            return found
        with self._lock:  # creating clients from one session is not thread-safe
            if name not in self._clients:
                self._clients[name] = build(self._session or new_session())
            return self._clients[name]

    def reset(self) -> None:
        """Forget every client (tests that change the endpoint or credentials between cases)."""
        with self._lock:
            self._clients.clear()


clients = ClientFactory()


def with_credentials(factory: ClientFactory, credentials: Mapping[str, Any]) -> ClientFactory:
    """A factory like `factory` (region, endpoints, retries) whose clients sign with temporary
    credentials (STS AssumeRole's `Credentials`)."""
    session = new_session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials.get("SessionToken"),
        region_name=factory.region,
    )
    return ClientFactory(factory.region, factory._max_attempts, session, factory.endpoint_url)
