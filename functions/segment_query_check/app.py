"""Federated segmentation's first step: reads the request (A21's fields), fetches a named query from
the work bucket, and checks the SQL (engage.segment_query). A query that is refused answers INVALID
with the reason, which the workflow notifies; a broken request fails the step the same way."""

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.errors import NotFoundError, ValidationError
from engage.obs import logger, metrics
from engage.runtime import services
from engage.segment_query import (
    MAX_QUERY_CHARS,
    SegmentQueryRequest,
    allowed_tables,
    check_query,
    named_query_key,
)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        request = SegmentQueryRequest.parse(event)
        services.applications.require(request.app_id)
        sql = request.query if request.query is not None else _named(request.query_name or "")
        checked = check_query(
            sql,
            os.environ["SEGMENT_QUERY_DATABASE"],
            allowed_tables(os.environ["SEGMENT_QUERY_TABLES"]),
            request.kind,
        )
        segment_name = request.segment_name or _refreshed_name(request)
    except (ValidationError, NotFoundError) as exc:
        logger.warning("segment query refused: %s", exc, extra={"query_name": event.get("QueryName")})
        metrics.add_metric(name="SegmentQueriesRefused", unit="Count", value=1)
        return {"Status": "INVALID", "Reason": str(exc), "Request": event}
    logger.info("segment query accepted", extra={"tables": checked.tables, "columns": checked.columns})
    return {
        "Status": "VALID",
        "ApplicationId": request.app_id,
        "Type": request.kind,
        "Mode": request.mode,
        "DefineSegment": request.kind == "direct",
        "SegmentName": segment_name,
        "SegmentId": request.segment_id,
        "Sql": checked.sql,
        "Columns": list(checked.columns),
        "Tables": list(checked.tables),
        "PollSeconds": int(os.environ.get("SEGMENT_QUERY_POLL_SECONDS", "5")),
        "MaxPolls": int(os.environ.get("SEGMENT_QUERY_MAX_POLLS", "120")),
        "ImportConcurrency": int(os.environ.get("IMPORT_CONCURRENCY", "4")),
    }


def _named(name: str) -> str:
    bucket = services.settings.require("work_bucket")
    key, found = services.objects.existing(bucket, named_query_key(name))
    if found is None:
        raise ValidationError("QueryName", f"there is no named query {name} (s3://{bucket}/{key})")
    text = services.objects.read(bucket, key).decode("utf-8")
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError("QueryName", f"{name} is {len(text)} characters; at most {MAX_QUERY_CHARS}")
    return text


def _refreshed_name(request: SegmentQueryRequest) -> str | None:
    if not request.segment_id:
        return None
    segment = services.segments.get(request.app_id, request.segment_id)
    if segment is None or segment.get("SegmentType") != "IMPORT":
        raise ValidationError(
            "SegmentId", f"{request.segment_id} is not an imported segment of {request.app_id}"
        )
    return segment["Name"]
