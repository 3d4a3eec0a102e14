"""SNS's two deliveries of one document (engage.envelopes)."""

import json

from engage.envelopes import sns_document


def test_raw_and_enveloped_deliveries_give_the_same_document():
    document = {"eventType": "Bounce", "mail": {"messageId": "m-1"}}
    envelope = {"Type": "Notification", "MessageId": "n-1", "TopicArn": "arn:aws:sns:us-east-1:1:t",
                "Message": json.dumps(document)}  # fmt: skip
    assert sns_document(json.dumps(document)) == sns_document(json.dumps(envelope)) == document
