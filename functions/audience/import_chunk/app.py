"""Imports one chunk into the contact store, lists its endpoints as members of the segment the
import defines, and adds its counts to the job, once per chunk."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.imports.job import chunk_records, import_chunk, members_prefix
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    body = services.objects.read(event["bucket"], event["key"])
    result = import_chunk(
        event["app_id"], chunk_records(body), services.contacts, event.get("mode", "register")
    )
    services.objects.write_json(
        event["bucket"],
        f"{members_prefix(event['app_id'], event['job_id'])}part-{event['index']:05d}.json",
        list(dict.fromkeys(result.accepted_ids)),
    )
    counted = services.jobs.record_chunk(
        event["app_id"], event["job_id"], event["index"], result, failed=False
    )
    metrics.add_metric(name="ImportedEndpoints", unit="Count", value=result.accepted if counted else 0)
    return {
        "index": event["index"],
        "accepted": result.accepted,
        "rejected": result.rejected,
        "counted": counted,
    }
