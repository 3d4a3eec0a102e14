"""Custom channels (engage.adapters.lambda_.custom): the Lambda invocation (Stubber) and the signed webhook
(a fake opener), with each answer mapped to sent, retry, refused or in doubt."""

import io
import json
import urllib.error

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from engage.adapters.lambda_.custom import CustomDelivery, signature
from engage.errors import DeliveryRefusedError, ThrottledError
from engage.sending.custom_answers import Delivery

PAYLOAD = {"Data": "d", "Endpoints": {"e1": {"ChannelType": "CUSTOM", "Address": "crm-1"}}}


class Opener:
    def __init__(self, status=200, body=b"ok"):
        self.status = status
        self.body = body
        self.requests = []

    def __call__(self, request, timeout):
        self.requests.append(request)
        if self.status >= 300:
            raise urllib.error.HTTPError(request.full_url, self.status, "status", {}, io.BytesIO(b""))
        return io.BytesIO(self.body)


def webhook(status=200, body=b"ok"):
    opener = Opener(status, body)
    return CustomDelivery(
        None, lambda: [b"current", b"previous"], opener, clock=lambda: 1_800_000_000
    ), opener


def test_a_webhook_gets_the_payload_signed_with_the_current_key():
    delivery, opener = webhook()
    assert delivery.deliver("https://crm.example.com/hook", PAYLOAD, "batch-1") == Delivery("batch-1", None)
    (request,) = opener.requests
    assert json.loads(request.data) == PAYLOAD and request.get_method() == "POST"
    assert request.get_header("X-engage-delivery") == "batch-1"
    assert request.get_header("X-engage-signature") == signature(b"current", 1_800_000_000, request.data)


def test_a_webhooks_json_answer_is_read():
    delivery, _opener = webhook(body=b'{"e1": "SENT"}')
    assert delivery.deliver("https://crm.example.com/hook", PAYLOAD, "batch-1").answer == {"e1": "SENT"}


@pytest.mark.parametrize(
    ("status", "error"), [(429, ThrottledError), (503, ThrottledError), (410, DeliveryRefusedError)]
)
def test_webhook_answers_map_to_retry_or_refusal(status, error):
    delivery, _opener = webhook(status)
    with pytest.raises(error):
        delivery.deliver("https://crm.example.com/hook", PAYLOAD, "batch-1")


@pytest.mark.parametrize(
    "url", ["http://crm.example.com/hook", "file://localhost/etc/passwd", "ftp://localhost/x"]
)
def test_only_https_webhooks_are_called(url):
    delivery, opener = webhook()
    with pytest.raises(DeliveryRefusedError, match="INSECURE_WEBHOOK"):
        delivery.deliver(url, PAYLOAD, "batch-1")
    assert opener.requests == []


def test_a_lambda_channel_is_invoked_with_the_payload_and_its_failures_are_told_apart():
    client = boto3.client("lambda", region_name="us-east-1")
    delivery = CustomDelivery(client, lambda: [])
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke",
            {"StatusCode": 200},
            {"FunctionName": "engage-custom-crm", "Payload": json.dumps(PAYLOAD).encode()},
        )
        assert delivery.deliver("engage-custom-crm", PAYLOAD, "batch-1").answer is None
        answered = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(b'{"e1": "SENT"}'), 14)}
        stubber.add_response("invoke", answered)
        assert delivery.deliver("engage-custom-crm", PAYLOAD, "batch-1").answer == {"e1": "SENT"}
        stubber.add_client_error("invoke", "TooManyRequestsException", http_status_code=429)
        with pytest.raises(ThrottledError):
            delivery.deliver("engage-custom-crm", PAYLOAD, "batch-1")
        stubber.add_client_error("invoke", "ResourceNotFoundException", http_status_code=404)
        with pytest.raises(DeliveryRefusedError, match="ResourceNotFoundException"):
            delivery.deliver("engage-custom-crm", PAYLOAD, "batch-1")
        stubber.add_response("invoke", {"StatusCode": 200, "FunctionError": "Unhandled"})
        with pytest.raises(RuntimeError, match="failed"):
            delivery.deliver("engage-custom-crm", PAYLOAD, "batch-1")


def test_plain_http_to_this_machine_only_when_allowed_for_the_local_stack():
    opener = Opener()
    local = CustomDelivery(None, lambda: [b"k"], opener, allow_local_http=True)
    local.deliver("http://127.0.0.1:8080/hook", PAYLOAD, "batch-1")
    with pytest.raises(DeliveryRefusedError, match="INSECURE_WEBHOOK"):
        local.deliver("http://crm.example.com/hook", PAYLOAD, "batch-1")
    assert len(opener.requests) == 1
