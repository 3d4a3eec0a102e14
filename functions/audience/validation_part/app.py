"""Validates one part of a run (offline check, cache, paced PhoneNumberValidate) and adds its
counts to the run, once per part."""

import gzip
import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.phone.validation import Pacer, PhoneValidation
from engage.obs import logger, metrics
from engage.runtime import services


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = services.settings
    validation = PhoneValidation(
        app_id=event["app_id"],
        contacts=services.contacts,
        cache=services.number_cache,
        validator=services.number_validator,
        pacer=Pacer(float(event["rate"])),
        owner=f"{event['run_id']}/{event['index']}",
        default_region=settings.default_country or None,
        ttl_seconds=int(settings.phone_cache_ttl_days) * 86400,
    )
    with gzip.open(services.objects.open(event["bucket"], event["key"])) as lines:
        counts = validation.run(json.loads(line) for line in lines if line.strip())
    counted = services.jobs.record_piece(
        event["app_id"],
        event["run_id"],
        event["index"],
        counts.numbers(),
        counts.failures,
        processed=counts.endpoints,
        failed=counts.failed,
    )
    for name in ("api_calls", "cache_hits", "invalid", "throttled"):
        metrics.add_metric(name=f"PhoneValidation_{name}", unit="Count", value=getattr(counts, name))
    return {"index": event["index"], "counted": counted, **counts.numbers()}
