"""SES event-publishing records and End User Messaging SMS v2 events as the services deliver them
(the shapes of the SES and End User Messaging developer guides), for the normaliser and lake tests."""

from __future__ import annotations

from typing import Any

from tests.support.apps import named_app

APP = named_app("lake")
SENT_AT = "2026-11-20T10:00:00.000Z"


def mail(message_id: str = "m-1", recipient: str = "ana@example.org", **tags: str) -> dict[str, Any]:
    own = {"application_id": APP, "request_id": "c-spring", "endpoint_id": "ep-1", "campaign_id": "c-spring"}
    return {
        "timestamp": SENT_AT,
        "source": "news@example.com",
        "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
        "sendingAccountId": "123456789012",
        "messageId": message_id,
        "destination": [recipient],
        "headersTruncated": False,
        "headers": [{"name": "Subject", "value": "Spring offers"}],
        "commonHeaders": {"from": ["News <news@example.com>"], "to": [recipient], "subject": "Spring offers"},
        "tags": {
            "ses:configuration-set": ["engage-events"],
            "ses:from-domain": ["example.com"],
            **{k: [v] for k, v in {**own, **tags}.items()},
        },
    }


def ses(event_type: str, at: str = "2026-11-20T10:00:05.000Z", message: dict | None = None, **detail) -> dict:
    message = message or mail()
    details: dict[str, Any] = {
        "Send": {"send": {}},
        "Delivery": {
            "delivery": {
                "timestamp": at,
                "processingTimeMillis": 1204,
                "recipients": message["destination"],
                "smtpResponse": "250 2.6.0 Message received",
                "reportingMTA": "a8-70.smtp-out.amazonses.com",
            }
        },
        "Open": {"open": {"ipAddress": "192.0.2.1", "timestamp": at, "userAgent": "Mozilla/5.0"}},
        "Click": {
            "click": {
                "ipAddress": "192.0.2.1",
                "timestamp": at,
                "userAgent": "Mozilla/5.0",
                "link": "https://example.com/offer",
                "linkTags": {"offer": ["spring"]},
            }
        },
        "Bounce": {
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": message["destination"][0],
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }
                ],
                "timestamp": at,
                "feedbackId": "fb-bounce-1",
                "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com",
            }
        },
        "Complaint": {
            "complaint": {
                "complainedRecipients": [{"emailAddress": message["destination"][0]}],
                "timestamp": at,
                "feedbackId": "fb-complaint-1",
                "userAgent": "ExampleCorp Feedback Loop (V0.01)",
                "complaintFeedbackType": "abuse",
                "arrivalDate": at,
            }
        },
        "Reject": {"reject": {"reason": "Bad content"}},
        "Rendering Failure": {
            "failure": {"errorMessage": "Attribute 'name' is not present", "templateName": "t1"}
        },
        "DeliveryDelay": {
            "deliveryDelay": {
                "timestamp": at,
                "delayType": "TransientCommunicationFailure",
                "expirationTime": "2026-11-20T22:00:00.000Z",
                "reportingMTA": "a8-70.smtp-out.amazonses.com",
                "delayedRecipients": [
                    {
                        "emailAddress": message["destination"][0],
                        "status": "4.4.1",
                        "diagnosticCode": "smtp; 421",
                    }
                ],
            }
        },
        "Subscription": {
            "subscription": {
                "contactList": "news",
                "timestamp": at,
                "source": "UnsubscribeHeader",
                "newTopicPreferences": {
                    "unsubscribeAll": False,
                    "topicSubscriptionStatus": [{"topicName": "offers", "subscriptionStatus": "OPT_OUT"}],
                },
                "oldTopicPreferences": {
                    "unsubscribeAll": False,
                    "topicSubscriptionStatus": [{"topicName": "offers", "subscriptionStatus": "OPT_IN"}],
                },
            }
        },
    }[event_type]
    for key, value in detail.items():
        (name,) = details
        details[name] = {**details[name], key: value}
    return {"eventType": event_type, "mail": message, **details}


def sms(
    event_type: str = "TEXT_DELIVERED",
    status: str = "DELIVERED",
    *,
    final: bool = True,
    message_id: str = "sms-1",
    at: int = 1_795_600_000_000,
    price: float = 0.00581,
    **context: str,
) -> dict[str, Any]:
    own = {"application_id": APP, "request_id": "c-sms", "endpoint_id": "sms-ep-1", "campaign_id": "c-sms"}
    return {
        "eventType": event_type,
        "eventVersion": "1.0",
        "eventTimestamp": at,
        "isFinal": final,
        "originationPhoneNumber": "+12065550000",
        "destinationPhoneNumber": "+12065550142",
        "isoCountryCode": "US",
        "mcc": "310",
        "mnc": "410",
        "messageId": message_id,
        "messageRequestTimestamp": at - 400,
        "messageEncoding": "GSM",
        "messageType": "PROMOTIONAL",
        "messageStatus": status,
        "messageStatusDescription": "Message has been accepted by phone",
        "totalMessageParts": 1,
        "totalMessagePrice": price,
        "totalCarrierFee": 0.00302,
        "context": {**own, **context},
    }
