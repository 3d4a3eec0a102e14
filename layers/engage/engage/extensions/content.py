"""External campaign content (A23): a campaign FILTER hook that fetches the email's subject and
HTML at send time from a content system (S3 or HTTPS: `<source><campaign id>.json`, a JSON object
`{"subject": "...", "html": "..."}`) and hands them to the template as `Attributes.subject` and
`Attributes.html` (use `{{Attributes.subject}}` and `{{{Attributes.html}}}`).

Content is fetched once per campaign run (cached by run, campaign and treatment: every recipient of
a run gets the same version, and the content system sees one request per run and container), with a
size limit (the content travels in every send request) and a timeout. When it can't be had (missing,
too large, slow, malformed), the fallback content is used for the run when one is configured; without
one the hook fails and the campaign's HookFailurePolicy decides (by default its batches are skipped,
so nobody gets an email without its content). The cache is a container's: concurrent containers of
one run each fetch once, and a content system that fails for only one of them gives its batches the
fallback (a per-run store of the resolved content would close that; not built)."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engage.errors import EngageError, ValidationError
from engage.obs import logger, metrics

MAX_SUBJECT = 998  # RFC 5322's line limit
CACHED_RUNS = 64
MAX_ANSWER_BYTES = 5 * 1024 * 1024  # under Lambda's 6 MB response limit, with room for the rest


class ContentUnavailableError(EngageError):
    """The content could not be fetched or read; the message says why (no secrets, no bodies)."""


@dataclass(frozen=True)
class Content:
    subject: str
    html: str
    source: str  # where it came from (the primary location or the fallback)


@dataclass(frozen=True)
class ContentRules:
    source: str  # s3://bucket/prefix/ or https://host/path/
    fallback: str = ""  # the location of the fallback content, empty for none
    max_bytes: int = 64 * 1024
    timeout_seconds: float = 3.0


class ContentFetcher(Protocol):
    def fetch(self, location: str, max_bytes: int, timeout_seconds: float) -> bytes:
        """The document; ContentUnavailableError when it is missing, larger than max_bytes,
        slower than the timeout or the system answers an error."""
        ...


def parse_content(raw: bytes, source: str) -> Content:
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ContentUnavailableError(f"{source} is not JSON") from None
    if not isinstance(document, Mapping):
        raise ContentUnavailableError(f"{source} is not a JSON object")
    subject, html = document.get("subject"), document.get("html")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT or "\n" in subject:
        raise ContentUnavailableError(f"{source}: subject is one line of 1 to {MAX_SUBJECT} characters")
    if not isinstance(html, str) or not html.strip():
        raise ContentUnavailableError(f"{source}: html is required")
    return Content(subject, html, source)


class ExternalContent:
    def __init__(self, fetcher: ContentFetcher, rules: ContentRules) -> None:
        if not rules.source:
            raise ValidationError("CONTENT_SOURCE", "the content source is not configured")
        self.fetcher, self.rules = fetcher, rules
        self._runs: OrderedDict[tuple[str, str, str], Content] = OrderedDict()
        self.fetches = 0

    def for_run(self, payload: Mapping[str, Any]) -> tuple[Content, str | None]:
        """The run's content and, when the fallback stands in, why the primary could not be used."""
        key = (
            str(payload.get("ActivityId")),
            str(payload.get("CampaignId")),
            str(payload.get("TreatmentId")),
        )
        if key in self._runs:
            self._runs.move_to_end(key)
            return self._runs[key], None
        location = f"{self.rules.source}{payload.get('CampaignId')}.json"
        problem = None
        try:
            content = self._read(location)
        except ContentUnavailableError as exc:
            if not self.rules.fallback:
                raise
            problem = str(exc)
            content = self._read(self.rules.fallback)
        self._runs[key] = content
        while len(self._runs) > CACHED_RUNS:
            self._runs.popitem(last=False)
        return content, problem

    def _read(self, location: str) -> Content:
        self.fetches += 1
        return parse_content(
            self.fetcher.fetch(location, self.rules.max_bytes, self.rules.timeout_seconds), location
        )


def with_content(endpoints: Mapping[str, Mapping[str, Any]], content: Content) -> dict[str, Any]:
    """The Endpoints map with the content as each endpoint's `subject` and `html` attributes;
    ContentUnavailableError when that answer would not fit in Lambda's 6 MB response."""
    size = (len(json.dumps(content.html)) + len(json.dumps(content.subject))) * len(endpoints)
    if size > MAX_ANSWER_BYTES:
        raise ContentUnavailableError(
            f"{content.source} times {len(endpoints)} endpoints is about {size} bytes, more than a hook "
            f"may answer ({MAX_ANSWER_BYTES}): lower HookBatchSize or ContentMaxBytes"
        )
    answer = {}
    for endpoint_id, endpoint in endpoints.items():
        attributes = {
            **(endpoint.get("Attributes") or {}),
            "subject": [content.subject],
            "html": [content.html],
        }
        answer[endpoint_id] = {**endpoint, "Attributes": attributes}
    return answer


class ContentHook:
    """The content hook's use case: the run's content added to every endpoint of the batch, the
    fallback standing in counted (ContentFallbacks) and logged with why."""

    def __init__(self, content: ExternalContent) -> None:
        self.content = content

    def answer(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The Endpoints map to send; ContentUnavailableError when there is no content to add."""
        found, problem = self.content.for_run(payload)
        if problem:
            metrics.add_metric(name="ContentFallbacks", unit="Count", value=1)
            logger.warning(
                "content fallback used", extra={"campaign_id": payload.get("CampaignId"), "reason": problem}
            )
        logger.info(
            "external content", extra={"campaign_id": payload.get("CampaignId"), "source": found.source}
        )
        return with_content(payload.get("Endpoints") or {}, found)
