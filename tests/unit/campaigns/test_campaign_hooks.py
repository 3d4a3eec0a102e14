"""The campaign FILTER hook (engage.campaigns.hooks and the Lambda invoker): Pinpoint's payload in
batches, filtering and personalising but never redirecting, and the failure policy."""

import io
import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from engage.adapters.lambda_.functions import LambdaHookInvoker
from engage.campaigns.hooks import HookFailedError, HookPolicy, filter_endpoints
from engage.campaigns.model import new_campaign

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def campaign(hook=True):
    request = {
        "SegmentId": "s",
        "MessageConfiguration": {"SMSMessage": {"Body": "Offer {{Attributes.Offer}}"}},
        "Schedule": {"StartTime": "IMMEDIATE"},
    }
    if hook:
        request["Hook"] = {"LambdaFunctionName": "engage-hook", "Mode": "FILTER"}
    return new_campaign("hookapp", request, "c-1")


ENDPOINTS = [
    {"Id": f"e{i}", "ChannelType": "SMS", "Address": f"+1206555010{i}", "Attributes": {}} for i in range(5)
]


class Hook:
    """Keeps even-numbered endpoints, gives them an offer, and tries to redirect one."""

    def __init__(self, fail_calls=()):
        self.payloads = []
        self.fail_calls = set(fail_calls)

    def invoke(self, function, payload):
        self.payloads.append(payload)
        if len(self.payloads) - 1 in self.fail_calls:
            raise HookFailedError("the hook failed (Unhandled)")
        kept = {}
        for endpoint_id, endpoint in payload["Endpoints"].items():
            if int(endpoint_id[1:]) % 2 == 0:
                kept[endpoint_id] = {**endpoint, "Attributes": {"Offer": ["10%"]}, "Address": "+19995550000"}
        kept["intruder"] = {"ChannelType": "SMS", "Address": "+19995550001"}
        return kept


def test_the_hook_gets_pinpoints_payload_in_batches_and_filters_and_personalises():
    hook = Hook()
    result = filter_endpoints(campaign(), "0", "run-1", ENDPOINTS, hook, NOW, batch_size=2)
    assert [len(p["Endpoints"]) for p in hook.payloads] == [2, 2, 1]
    first = hook.payloads[0]
    assert (first["CampaignId"], first["TreatmentId"], first["ActivityId"], first["ApplicationId"]) == (
        "c-1",
        "0",
        "run-1",
        "hookapp",
    )
    assert first["ScheduledTime"] == "2026-11-25T12:00:00.000Z" and "Id" not in first["Endpoints"]["e0"]
    assert [e["Id"] for e in result.endpoints] == ["e0", "e2", "e4"] and result.dropped == ["e1", "e3"]
    assert all(e["Attributes"] == {"Offer": ["10%"]} for e in result.endpoints)
    assert [e["Address"] for e in result.endpoints] == ["+12065550100", "+12065550102", "+12065550104"]


@pytest.mark.parametrize(
    ("policy", "sent", "failed"),
    [(HookPolicy.SKIP, ["e2", "e4"], ["e0", "e1"]), (HookPolicy.SEND, ["e0", "e1", "e2", "e4"], [])],
)
def test_a_failed_hook_follows_the_policy(policy, sent, failed):
    result = filter_endpoints(campaign(), "0", "r", ENDPOINTS, Hook(fail_calls=[0]), NOW, 2, policy)
    assert [e["Id"] for e in result.endpoints] == sent and result.failed == failed
    with pytest.raises(HookFailedError):
        filter_endpoints(campaign(), "0", "r", ENDPOINTS, Hook(fail_calls=[0]), NOW, 2, HookPolicy.FAIL)


def test_without_a_hook_every_endpoint_passes():
    result = filter_endpoints(campaign(hook=False), "0", "r", ENDPOINTS, Hook(), NOW)
    assert len(result.endpoints) == 5 and result.dropped == [] and result.failed == []


def test_the_lambda_invoker_parses_the_answer_and_reports_failures():
    client = boto3.client("lambda", region_name="us-east-1")
    invoker = LambdaHookInvoker(client)
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke", {"StatusCode": 200, "Payload": io.BytesIO(json.dumps({"e0": {}}).encode())}
        )
        assert invoker.invoke("engage-hook", {"Endpoints": {}}) == {"e0": {}}
        stubber.add_response(
            "invoke", {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(b"{}")}
        )
        with pytest.raises(HookFailedError, match="failed"):
            invoker.invoke("engage-hook", {})
        stubber.add_client_error("invoke", "ResourceNotFoundException", http_status_code=404)
        with pytest.raises(HookFailedError, match="ResourceNotFoundException"):
            invoker.invoke("engage-hook", {})
