"""The API's side of direct sends (engage.adapters.lambda_.direct), with botocore's Stubber: the
direct send function's answer passed on, its Pinpoint errors kept, its failures told apart."""

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from engage.adapters.lambda_.direct import LambdaDirectSends
from engage.errors import EngageError, RetriesExhaustedError

REQUEST = {"Endpoints": {"e1": {}}, "MessageConfiguration": {"SMSMessage": {"Body": "Hi"}}}


def answered(document, **extra):
    body = json.dumps(document).encode()
    return {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body)), **extra}


def test_the_functions_answer_and_errors_are_passed_on_as_pinpoint_gave_them():
    client = boto3.client("lambda", region_name="us-east-1")
    sends = LambdaDirectSends(client, "engage-direct-send")
    event = {"Operation": "SendMessages", "ApplicationId": "app", "Request": REQUEST}
    with Stubber(client) as stubber:
        response = {"ApplicationId": "app", "RequestId": "r-1", "EndpointResult": {}}
        stubber.add_response(
            "invoke",
            answered({"Response": response}),
            {"FunctionName": "engage-direct-send", "Payload": json.dumps(event).encode()},
        )
        assert sends.send_messages("app", REQUEST) == response
        stubber.add_response(
            "invoke", answered({"Error": {"Type": "BadRequestException", "Message": "Users: x"}})
        )
        with pytest.raises(EngageError, match="Users: x") as refused:
            sends.send_users_messages("app", {})
        assert refused.value.pinpoint_type == "BadRequestException"
        stubber.add_response("invoke", answered({"errorMessage": "boom"}, FunctionError="Unhandled"))
        with pytest.raises(EngageError, match="Unhandled"):
            sends.send_messages("app", REQUEST)
        stubber.add_client_error("invoke", "TooManyRequestsException", http_status_code=429)
        with pytest.raises(RetriesExhaustedError):
            sends.send_messages("app", REQUEST)
