"""The handler of an SQS or Kinesis event source that answers with partial batch responses:
Powertools' batch processor over one record handler, inside the logger's Lambda context and with
the metrics flushed, so each function writes only what it does with one record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from engage.obs import logger, metrics


def partial_batch_handler(
    event_type: EventType,
    record_handler: Callable[[Any], Any],
    on_start: Callable[[Any], None] | None = None,
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A Lambda handler; `on_start(context)` runs first (say, to give idempotency the context)."""
    processor = BatchProcessor(event_type=event_type)

    @logger.inject_lambda_context
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if on_start is not None:
            on_start(context)
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler
