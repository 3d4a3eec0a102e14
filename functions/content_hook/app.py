"""A campaign FILTER hook (name it in the campaign's Hook.LambdaFunctionName) that fetches the
email's subject and HTML from the content system once per run and adds them to every endpoint of
the batch as `Attributes.subject` and `Attributes.html` (engage.external_content). Without content
and without a fallback it fails, and the campaign's HookFailurePolicy decides."""

import functools
import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.adapters.clients import clients
from engage.adapters.content_fetch import ContentFetch
from engage.external_content import ContentRules, ExternalContent, with_content
from engage.obs import logger, metrics


@functools.cache
def content() -> ExternalContent:
    rules = ContentRules(
        source=os.environ.get("CONTENT_SOURCE", ""),
        fallback=os.environ.get("CONTENT_FALLBACK", ""),
        max_bytes=int(os.environ.get("CONTENT_MAX_BYTES", str(64 * 1024))),
        timeout_seconds=float(os.environ.get("CONTENT_TIMEOUT_SECONDS", "3")),
    )
    local = os.environ.get("ALLOW_LOCAL_HTTP", "false").lower() == "true"
    return ExternalContent(ContentFetch(clients.client("s3"), allow_local_http=local), rules)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    found, problem = content().for_run(event)
    if problem:
        metrics.add_metric(name="ContentFallbacks", unit="Count", value=1)
        logger.warning(
            "content fallback used", extra={"campaign_id": event.get("CampaignId"), "reason": problem}
        )
    logger.info("external content", extra={"campaign_id": event.get("CampaignId"), "source": found.source})
    return with_content(event.get("Endpoints") or {}, found)
