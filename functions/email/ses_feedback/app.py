"""Bounce and complaint feedback, in each of its shapes, to one processor (engage.email.feedback):
SES identity notifications on FeedbackTopic, SES event publishing from the configuration set's SNS
destination (filtered to Bounce and Complaint), and the stream's hard bounces and complaints from
the engagement bus, all through FeedbackQueue. Answers a partial batch response: a message that
cannot be read fails alone and reaches the DLQ; a replayed batch changes nothing."""

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from engage.batch import partial_batch_handler
from engage.email.wiring import feedback_intake


def record_handler(record: SQSRecord) -> None:
    feedback_intake().take(record.body)


handler = partial_batch_handler(EventType.SQS, record_handler)
