"""Validates one part of a run (offline check, cache, paced PhoneNumberValidate) and adds its
counts to the run, once per part."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from engage.audience.wiring import validation_part
from engage.obs import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    counts, counted = validation_part().run(event)
    for name in ("api_calls", "cache_hits", "invalid", "throttled"):
        metrics.add_metric(name=f"PhoneValidation_{name}", unit="Count", value=getattr(counts, name))
    return {"index": event["index"], "counted": counted, **counts.numbers()}
