"""Bounce and complaint feedback, in each of its shapes, to one processor (engage.feedback): SES
identity notifications on FeedbackTopic, SES event publishing from the configuration set's SNS
destination (filtered to Bounce and Complaint), and the stream's hard bounces and complaints from
the engagement bus, all through FeedbackQueue. Answers a partial batch response: a message that
cannot be read fails alone and reaches the DLQ; a replayed batch changes nothing."""

import os

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage.batch import partial_batch_handler
from engage.envelopes import sns_document
from engage.feedback import Policy, apply, parse
from engage.obs import logger, metrics
from engage.runtime import services

POLICY = Policy(
    soft_bounce_limit=int(os.environ.get("SOFT_BOUNCE_LIMIT", "3")),
    soft_bounce_window=float(os.environ.get("SOFT_BOUNCE_WINDOW_DAYS", "7")) * 24 * 3600,
)


def record_handler(record: SQSRecord) -> None:
    body = sns_document(record.body)
    feedback = parse(body)
    if feedback is None:
        metrics.add_metric(name="FeedbackIgnored", unit="Count", value=1)
        return
    decision = apply(
        feedback, services.suppression, services.contacts, services.ses_account_list, POLICY, _application_ids
    )
    metrics.add_metric(name=f"Feedback{feedback.kind.title().replace('_', '')}", unit="Count", value=1)
    logger.info(
        "feedback applied",
        extra={
            "kind": feedback.kind.value,
            "source": feedback.source,
            "application_id": feedback.app_id,
            "feedback_id": feedback.feedback_id,
            "suppressed": decision.suppressed,
            "opted_out": decision.opted_out,
            "account_listed": decision.account_listed,
            "refused": decision.refused,  # recipients that are not addresses (masked), and why
        },
    )


def _application_ids() -> list[str]:
    """Every application, for feedback that names none (an SES identity notification)."""
    return [application["Id"] for application in services.applications.list()]


handler = partial_batch_handler(EventType.SQS, record_handler)
