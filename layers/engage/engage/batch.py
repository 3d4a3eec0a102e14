"""The handler of an SQS or Kinesis event source that answers with partial batch responses:
Powertools' batch processor over one record handler, inside the logger's Lambda context and with
the metrics flushed, so each function writes only what it does with one record.

A record that fails is logged with its id and the reason (the logger masks addresses), then
reported as failed; one whose content is not the shape the consumer reads (a missing key, a list
where an object belongs) fails with a clear ValidationError instead of a raw KeyError or
TypeError, so its DLQ entry and its log line say what is wrong with it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from engage import clock
from engage.errors import ValidationError
from engage.obs import logger, metrics

SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError)


def partial_batch_handler(
    event_type: EventType,
    record_handler: Callable[[Any], Any],
    on_start: Callable[[Any], None] | None = None,
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A Lambda handler; `on_start(context)` runs first (say, to give idempotency the context)."""
    processor = BatchProcessor(event_type=event_type)

    def guarded(record: Any) -> Any:
        try:
            return record_handler(record)
        except SHAPE_ERRORS as exc:
            error = ValidationError("record", f"not the shape this consumer reads: {_described(exc)}")
            _log_failure(record, error)
            raise error from exc
        except Exception as exc:
            _log_failure(record, exc)
            raise

    @logger.inject_lambda_context
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if on_start is not None:
            on_start(context)
        return process_partial_response(
            event=event, record_handler=guarded, processor=processor, context=context
        )

    return handler


def _described(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r}" if exc.args else "a key is missing"
    return str(exc) or type(exc).__name__


def _log_failure(record: Any, exc: BaseException) -> None:
    ids = {"message_id": getattr(record, "message_id", None)}
    kinesis = getattr(record, "kinesis", None)
    if kinesis is not None:
        ids = {"sequence_number": kinesis.sequence_number, "partition_key": kinesis.partition_key}
    logger.warning("record failed", extra={**ids, "reason": f"{type(exc).__name__}: {exc}"[:1000]})


def event_matcher_handler(
    matcher: Callable[[], Callable[[Mapping[str, Any], datetime], dict[str, int]]],
    message: str,
    metric_names: Mapping[str, str],
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The handler of an event-stream consumer that matches each record against what its
    application defines (event-triggered campaigns, event-started journeys): `matcher()` is built
    once per invocation (each application's definitions read once), each record's counts are logged
    under `message` and those named in `metric_names` published."""
    batch: dict[str, Any] = {}

    def start(_context: Any) -> None:
        batch["run"] = matcher()

    def record_handler(record: Any) -> None:
        data = record.kinesis.data_as_json()
        counts = batch["run"](data, clock.now())
        if counts:
            logger.info(
                message,
                extra={
                    "event_id": data.get("event_id"),
                    "event_type": data.get("event_type"),
                    "counts": counts,
                },
            )
        for reason, name in metric_names.items():
            if counts.get(reason):
                metrics.add_metric(name=name, unit="Count", value=counts[reason])

    return partial_batch_handler(EventType.KinesisDataStreams, record_handler, on_start=start)
