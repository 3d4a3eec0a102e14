"""Plain http:// is refused everywhere but on the local stack, where a test's own server on the
loopback interface stands in for an https endpoint (ALLOW_LOCAL_* switches, off by default)."""

from __future__ import annotations

from urllib.parse import SplitResult

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def local_http(parts: SplitResult, allowed: bool) -> bool:
    """Whether `parts` is a plain http:// URL on this machine that the switch lets through."""
    return allowed and parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
