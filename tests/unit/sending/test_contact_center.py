"""A journey's contact center activity: the Connect Outbound Campaigns adapter
(engage.adapters.connect.campaigns, request shapes checked by botocore's Stubber against the real
models of STS and connectcampaigns) and the sender's CONTACT_CENTER sends."""

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber
from engage.adapters.connect.campaigns import SESSION_NAME, ConnectCampaignDialer
from engage.adapters.sts.role_clients import RoleClients
from engage.errors import DeliveryRefusedError, NotSentError, ThrottledError

CAMPAIGN = "arn:aws:connect-campaigns:us-east-1:123456789012:campaign/7f6a4c1e-2b7d-4a8e-9c3f-1d2e3f4a5b6c"
ROLE = "arn:aws:iam::123456789012:role/contact-center"
EXPIRES = datetime(2026, 12, 8, tzinfo=UTC)


def credentials(expires_in=3600.0):
    return {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEEXAMPLE00",
            "SecretAccessKey": "secret-secret-secret",
            "SessionToken": "token",
            "Expiration": datetime(2026, 12, 7, tzinfo=UTC) + timedelta(seconds=expires_in),
        }
    }


@pytest.fixture
def stubbed():
    region = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    sts, campaigns = boto3.client("sts", **region), boto3.client("connectcampaigns", **region)
    made = []

    def campaigns_as(creds):
        made.append(creds["AccessKeyId"])
        return campaigns

    now = datetime(2026, 12, 7, tzinfo=UTC).timestamp()
    with Stubber(sts) as sts_stub, Stubber(campaigns) as campaigns_stub:
        roles = RoleClients(sts, lambda _service, creds: campaigns_as(creds), SESSION_NAME, lambda: now)
        yield ConnectCampaignDialer(roles), sts_stub, campaigns_stub, made


def dial(dialer, token="t-1", number="+12065550100"):
    return dialer.dial(CAMPAIGN, ROLE, number, {"EndpointId": "e1"}, token, EXPIRES)


def test_a_number_is_queued_in_the_campaign_as_the_journeys_role(stubbed):
    dialer, sts, campaigns, made = stubbed
    sts.add_response(
        "assume_role", credentials(), {"RoleArn": ROLE, "RoleSessionName": "engage-contact-center"}
    )
    request = {
        "clientToken": "t-1",
        "phoneNumber": "+12065550100",
        "expirationTime": EXPIRES,
        "attributes": {"EndpointId": "e1"},
    }
    expected = {"id": "7f6a4c1e-2b7d-4a8e-9c3f-1d2e3f4a5b6c", "dialRequests": [request]}
    answer = {"successfulRequests": [{"clientToken": "t-1", "id": "d-1"}], "failedRequests": []}
    campaigns.add_response("put_dial_request_batch", answer, expected)
    assert dial(dialer) == "d-1"
    second = {"successfulRequests": [{"clientToken": "t-2", "id": "d-2"}], "failedRequests": []}
    campaigns.add_response("put_dial_request_batch", second, {"id": ANY, "dialRequests": ANY})
    assert dial(dialer, "t-2") == "d-2"  # the role's credentials are kept: assumed once
    assert made == ["ASIAEXAMPLEEXAMPLE00"]
    sts.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("failure", "raised"),
    [
        ("InvalidInput", DeliveryRefusedError),
        ("RequestThrottled", ThrottledError),
        ("UnknownError", NotSentError),
    ],
)
def test_each_failed_dial_request_is_sorted_by_its_code(stubbed, failure, raised):
    dialer, sts, campaigns, _ = stubbed
    sts.add_response("assume_role", credentials())
    answer = {"successfulRequests": [], "failedRequests": [{"clientToken": "t-1", "failureCode": failure}]}
    campaigns.add_response("put_dial_request_batch", answer)
    with pytest.raises(raised):
        dial(dialer)


@pytest.mark.parametrize(
    ("code", "raised"),
    [
        ("ThrottlingException", ThrottledError),
        ("InternalServerException", ThrottledError),
        ("InvalidCampaignStateException", DeliveryRefusedError),
        ("ResourceNotFoundException", DeliveryRefusedError),
        ("AccessDeniedException", DeliveryRefusedError),
    ],
)
def test_connects_errors_are_retried_or_refused_by_code(stubbed, code, raised):
    dialer, sts, campaigns, _ = stubbed
    sts.add_response("assume_role", credentials())
    campaigns.add_client_error("put_dial_request_batch", code)
    with pytest.raises(raised):
        dial(dialer)


def test_a_role_that_cannot_be_assumed_refuses_and_expiring_credentials_are_renewed(stubbed):
    dialer, sts, campaigns, made = stubbed
    sts.add_client_error("assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole")
    with pytest.raises(DeliveryRefusedError, match="ROLE_NOT_ASSUMED"):
        dial(dialer)
    ok = {"successfulRequests": [{"clientToken": "t-1", "id": "d-1"}], "failedRequests": []}
    sts.add_response("assume_role", credentials(expires_in=200))  # inside the renewal margin
    sts.add_response("assume_role", credentials())
    campaigns.add_response("put_dial_request_batch", ok)
    campaigns.add_response("put_dial_request_batch", ok)
    dial(dialer)
    dial(dialer)
    assert len(made) == 2
    with pytest.raises(DeliveryRefusedError, match="INVALID_CAMPAIGN"):
        dialer.dial("arn:aws:connect:us-east-1:123456789012:instance/x", ROLE, "+1", {}, "t", EXPIRES)
    with pytest.raises(DeliveryRefusedError, match="INVALID_ROLE"):
        dialer.dial(CAMPAIGN, "role", "+1", {}, "t", EXPIRES)


# --- the sender's CONTACT_CENTER sends ----------------------------------------------------------
class Center:
    def __init__(self, *script):
        self.script, self.dialled = list(script), []

    def dial(self, campaign_arn, role_arn, phone_number, attributes, client_token, expires):
        self.dialled.append((campaign_arn, role_arn, phone_number, dict(attributes), client_token, expires))
        step = self.script.pop(0) if self.script else "d-1"
        if isinstance(step, Exception):
            raise step
        return step


def center_send(endpoint_id="ph-1", **extra):
    from engage.sending.request import SendRequest

    return SendRequest(
        app_id="sendapp",
        request_id="j-1",
        channel="CONTACT_CENTER",
        endpoint_id=endpoint_id,
        activity_id="call-1",
        message={"ConnectCampaignArn": CAMPAIGN, "ConnectCampaignExecutionRoleArn": ROLE},
        context={"journey_id": "j-1", "journey_activity_id": "call", "journey_run_id": "r-1"},
        **extra,
    )


def test_a_contact_center_send_queues_the_phone_endpoint_and_is_reported():
    from engage.sending.ledger import Status

    from tests.unit.sending.test_sender import endpoint, make

    sender, clock = make([endpoint("ph-1", "SMS", Attributes={"Tier": ["gold"]}), endpoint("em-1")])
    sender.contact_center = center = Center()
    results = sender.send_batch([center_send(), center_send("em-1")], deadline=clock.now + 30)
    sent, mismatch = sorted(results, key=lambda r: r.request.endpoint_id != "ph-1")
    assert sent.outcome.status == Status.SENT and sent.outcome.message_id == "d-1"
    ((campaign, role, number, attributes, token, expires),) = center.dialled
    assert (campaign, role, number) == (CAMPAIGN, ROLE, "+12065550100")
    assert attributes == {
        "EndpointId": "ph-1",
        "Attributes.Tier": "gold",
        "JourneyId": "j-1",
        "JourneyActivityId": "call",
    }
    assert len(token) == 64 and expires.timestamp() == clock.now + 86_400
    assert mismatch.outcome.reason == "CHANNEL_MISMATCH"  # an email endpoint is not called
    events = {r["event_type"]: r for r in sender.events.records}
    assert events["_journey.send"]["attributes"]["journey_send_status"] == "SUCCESS"
    assert "_contact_center.send" in events
    again = sender.send_batch([center_send()], deadline=clock.now + 30)[0]
    assert again.outcome.status == Status.SENT and len(center.dialled) == 1  # once, however often asked


def test_a_contact_center_send_is_checked_like_any_message_and_refusals_are_reported():
    from tests.unit.sending.test_sender import endpoint, make

    sender, clock = make([endpoint("ph-1", "SMS"), endpoint("ph-2", "VOICE", OptOut="ALL")])
    sender.contact_center = Center(DeliveryRefusedError("InvalidInput", "refused"))
    results = sender.send_batch([center_send(), center_send("ph-2")], deadline=clock.now + 30)
    refused, opted_out = sorted(results, key=lambda r: r.request.endpoint_id)
    assert refused.outcome.reason == "InvalidInput" and opted_out.outcome.reason == "OPTED_OUT"
    statuses = sorted(
        r["attributes"]["journey_send_status"]
        for r in sender.events.records
        if r["event_type"] == "_journey.send"
    )
    assert statuses == ["FAILURE_PERMANENT", "OPTED_OUT"]


def test_connects_documented_answer_settles_each_dial_request_by_its_client_token(stubbed):
    """events/aws/connect/put_dial_request_batch.json: one request queued, one refused."""
    from tests.support.shapes import sample

    dialer, sts, campaigns, _ = stubbed
    answer = sample("aws/connect/put_dial_request_batch.json")
    queued, refused = answer["successfulRequests"][0], answer["failedRequests"][0]
    sts.add_response("assume_role", credentials())
    campaigns.add_response("put_dial_request_batch", answer)
    campaigns.add_response("put_dial_request_batch", answer)
    assert dial(dialer, queued["clientToken"]) == queued["id"]
    with pytest.raises(DeliveryRefusedError, match="InvalidInput"):
        dial(dialer, refused["clientToken"])
