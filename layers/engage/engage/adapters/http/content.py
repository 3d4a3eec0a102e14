"""Fetching a content document from S3 (`s3://bucket/key`, a ranged GET one byte past the limit)
or over HTTPS (`https://...`; plain http only to this machine when allowed, for the local stack),
with a size limit and a timeout on the whole fetch (read in chunks against a deadline, not only per
socket operation). Redirects are not followed: a content system that answers 3xx could otherwise
send the function to another scheme or to an address inside its network."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from engage.adapters.dynamodb import error_code
from engage.addresses import local_http
from engage.extensions.content import ContentUnavailableError

CHUNK_BYTES = 16 * 1024


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


_NO_REDIRECTS = urllib.request.build_opener(_RefuseRedirects)


class ContentFetch:
    def __init__(self, s3: Any, allow_local_http: bool = False) -> None:  # a boto3 S3 client
        self.s3, self.allow_local_http = s3, allow_local_http

    def fetch(self, location: str, max_bytes: int, timeout_seconds: float) -> bytes:
        parts = urlsplit(location)
        if parts.scheme == "s3":
            body = self._s3(parts.netloc, parts.path.lstrip("/"), max_bytes, location)
        elif parts.scheme == "https" or local_http(parts, self.allow_local_http):
            body = self._http(location, max_bytes, timeout_seconds)
        else:
            raise ContentUnavailableError(f"{location}: content comes from s3:// or https:// locations")
        if len(body) > max_bytes:
            raise ContentUnavailableError(f"{location} is larger than {max_bytes} bytes")
        return body

    def _s3(self, bucket: str, key: str, max_bytes: int, location: str) -> bytes:
        try:
            answer = self.s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{max_bytes}")
        except ClientError as exc:
            raise ContentUnavailableError(f"{location}: {error_code(exc)}") from None
        return answer["Body"].read(max_bytes + 1)

    def _http(self, location: str, max_bytes: int, timeout_seconds: float) -> bytes:
        request = urllib.request.Request(location, headers={"Accept": "application/json"})  # noqa: S310
        deadline = time.monotonic() + timeout_seconds
        try:
            with _NO_REDIRECTS.open(request, timeout=timeout_seconds) as answer:
                return _read_until(answer, max_bytes, deadline)
        except urllib.error.HTTPError as exc:
            moved = " (redirects are not followed)" if 300 <= exc.code < 400 else ""
            raise ContentUnavailableError(f"{location} answered {exc.code}{moved}") from None
        except TimeoutError:
            raise ContentUnavailableError(f"{location} did not answer within {timeout_seconds:g} s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise ContentUnavailableError(
                    f"{location} did not answer within {timeout_seconds:g} s"
                ) from None
            raise ContentUnavailableError(f"{location} is unreachable ({type(reason).__name__})") from None


def _read_until(answer: Any, max_bytes: int, deadline: float) -> bytes:
    """At most max_bytes + 1 bytes, in chunks; TimeoutError once the deadline passes (a server that
    drips its answer can't keep the hook waiting past its timeout)."""
    body = bytearray()
    while len(body) <= max_bytes:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = answer.read(min(CHUNK_BYTES, max_bytes + 1 - len(body)))
        if not chunk:
            break
        body.extend(chunk)
    return bytes(body)
