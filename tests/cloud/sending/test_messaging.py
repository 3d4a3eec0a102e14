"""A transactional email sent with SendMessages, to SES's mailbox simulator: the answer per
recipient, and the send and its delivery as events on the stack's event stream."""

from __future__ import annotations

import pytest

from tests.cloud.target import EventStream

pytestmark = pytest.mark.cloud
ENDPOINT_ADDRESS = "success@simulator.amazonses.com"
DIRECT_ADDRESS = "success+direct@simulator.amazonses.com"


def test_send_messages_sends_an_email_whose_send_and_delivery_reach_the_event_stream(target, pinpoint, app):
    stream = EventStream(target.client("kinesis"), target.output("EventStreamName"))
    pinpoint.update_endpoint(
        ApplicationId=app,
        EndpointId="receipt-1",
        EndpointRequest={
            "ChannelType": "EMAIL",
            "Address": ENDPOINT_ADDRESS,
            "User": {"UserId": "buyer-1", "UserAttributes": {"FirstName": ["Ana"]}},
        },
    )
    email = {"SimpleEmail": {"Subject": {"Data": "Your receipt"}, "TextPart": {"Data": "Thanks!"}}}
    if target.from_address:
        email["FromAddress"] = target.from_address
    response = pinpoint.send_messages(
        ApplicationId=app,
        MessageRequest={
            "Endpoints": {"receipt-1": {}},
            "Addresses": {DIRECT_ADDRESS: {"ChannelType": "EMAIL"}},
            "MessageConfiguration": {"EmailMessage": email},
        },
    )["MessageResponse"]
    endpoint, address = response["EndpointResult"]["receipt-1"], response["Result"][DIRECT_ADDRESS]
    for answer in (endpoint, address):
        assert (answer["DeliveryStatus"], answer["StatusCode"]) == ("SUCCESSFUL", 200), answer
        assert answer["MessageId"]
    assert endpoint["Address"] == ENDPOINT_ADDRESS
    sent = {endpoint["MessageId"], address["MessageId"]}

    def events():  # (event type, message id) of the application's events read so far
        return {
            (r.get("event_type"), r.get("attributes", {}).get("message_id"))
            for r in stream.read()
            if r.get("application", {}).get("app_id") == app
        }

    for event_type in ("_email.send", "_email.delivered"):
        target.eventually(
            lambda event_type=event_type: {(event_type, m) for m in sent} <= events(),
            f"{event_type} events for messages {sorted(sent)} on the stream {stream.stream_name}",
            state=lambda: sorted(events()),
        )
