"""Sends one queued SMS retry: the (original message, attempt) is claimed first, so a redelivered
or duplicated request sends nothing more; the endpoint must still be eligible (active, not opted
out, not suppressed); the text is the original's, read from the archive. A throttled or failed call
releases the claim and the message returns to the queue (its DLQ after five receives); a refusal by
the channel is final. The retry's own delivery events come back through the configuration set."""

import functools
import json
import os
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage import clock
from engage.adapters.ledger_dynamodb import DynamoLedger
from engage.adapters.sms_voice import SmsSettings, SmsVoiceSender
from engage.addresses import address_key
from engage.batch import partial_batch_handler
from engage.errors import DeliveryRefusedError, NotFoundError
from engage.messages.archive import endpoint_prefix
from engage.messages.eligibility import skip_reason
from engage.messages.ledger import Status
from engage.obs import logger, metrics
from engage.runtime import services
from engage.sms_retry import claim_key


@functools.cache
def sends_ledger() -> DynamoLedger:
    return DynamoLedger(os.environ["SENDS_TABLE"], services.factory.client("dynamodb"))


@functools.cache
def texts() -> SmsVoiceSender:
    # No botocore retries: a call that timed out after the service accepted it would send twice.
    return SmsVoiceSender(
        services.factory.client("pinpoint-sms-voice-v2", max_attempts=1),
        SmsSettings(None, os.environ.get("SMS_CONFIGURATION_SET") or None),
    )


def archived_text(app_id: str, endpoint_id: str, message_id: str) -> str | None:
    bucket, prefix = os.environ["ARCHIVE_BUCKET"], endpoint_prefix(app_id, endpoint_id)
    key = next((k for k in services.objects.keys(bucket, prefix) if k.endswith(f"/{message_id}.json")), None)
    return None if key is None else json.loads(services.objects.read(bucket, key))["Body"]


def record_handler(record: SQSRecord) -> None:
    request = json.loads(record.body)
    app_id, endpoint_id = request["ApplicationId"], request["EndpointId"]
    key = claim_key(request["OriginalMessageId"], int(request["Attempt"]))
    ledger = sends_ledger()
    if not ledger.claim(key, record.message_id, clock.time()):
        metrics.add_metric(name="SmsRetryAlreadyClaimed", unit="Count", value=1)
        return
    try:
        outcome = send(request, app_id, endpoint_id)
    except DeliveryRefusedError as exc:
        ledger.finish(key, record.message_id, Status.REFUSED, None, exc.code)
        metrics.add_metric(name="SmsRetryRefused", unit="Count", value=1)
        return
    except Exception:
        ledger.release(key, record.message_id)  # not sent: the queue delivers the request again
        raise
    status, message_id, reason = outcome
    ledger.finish(key, record.message_id, status, message_id, reason)
    metrics.add_metric(name=f"SmsRetry{status.value.title()}", unit="Count", value=1)
    logger.info("sms retry", extra={"claim": key, "status": status.value, "reason": reason})


def send(request: dict[str, Any], app_id: str, endpoint_id: str) -> tuple[Status, str | None, str | None]:
    try:
        endpoint = services.contacts.get(app_id, endpoint_id)
    except NotFoundError:
        return Status.REFUSED, None, "the endpoint no longer exists"
    transactional = request["MessageType"] == "TRANSACTIONAL"
    skip = skip_reason(
        app_id,
        endpoint,
        services.consent,
        services.suppression,
        transactional,
        services.settings.flag("transactional_after_opt_out"),
    )
    if skip is not None:
        return Status.REFUSED, None, skip.reason
    if address_key("SMS", endpoint["Address"]) != address_key("SMS", request["Destination"]):
        return Status.REFUSED, None, "the endpoint's number changed since the failed send"
    body = archived_text(app_id, endpoint_id, request["OriginalMessageId"])
    if body is None:
        return Status.REFUSED, None, "the original text is not in the archive (erased?)"
    message_id = texts().send_text(
        endpoint["Address"], body, request["MessageType"], request["Context"], request["Origination"] or None
    )
    return Status.SENT, message_id, None


handler = partial_batch_handler(EventType.SQS, record_handler)
