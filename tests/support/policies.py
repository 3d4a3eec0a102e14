"""Resource policies a test's own queues and topics need, as they would on AWS: a queue an SNS
topic or an EventBridge rule delivers to lets that service send for that source only, and a topic
SES or End User Messaging publishes to lets them publish (the local stack enforces both)."""

from __future__ import annotations

import json
from typing import Any

SERVICES = {"sns": "sns.amazonaws.com", "events": "events.amazonaws.com"}


def let_deliver(sqs: Any, queue_url: str, source_arn: str) -> str:
    """Lets the service that owns `source_arn` (a topic, a rule or a bus) send to the queue; its ARN."""
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": SERVICES[source_arn.split(":")[2]]},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnLike": {"aws:SourceArn": source_arn}},
    }
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})},
    )
    return queue_arn


def let_publish(sns: Any, topic_arn: str, *services: str) -> None:
    """Lets `services` (ses.amazonaws.com, sms-voice.amazonaws.com) publish to the topic."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": list(services)},
        "Action": "sns:Publish",
        "Resource": topic_arn,
    }
    sns.set_topic_attributes(
        TopicArn=topic_arn,
        AttributeName="Policy",
        AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
