"""engage.pinpoint_client: botocore's pinpoint requests, signed for API Gateway."""

import contextlib

import boto3
import engage
from botocore.awsrequest import AWSPreparedRequest


def test_requests_keep_pinpoints_wire_format_and_are_signed_for_execute_api():
    session = boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x", region_name="eu-west-1"
    )
    client = engage.pinpoint_client("https://abc.execute-api.eu-west-1.amazonaws.com/api", session=session)
    seen: list[AWSPreparedRequest] = []

    def capture(request, **_):
        seen.append(request)
        raise RuntimeError("stop before sending")

    client.meta.events.register("before-send.pinpoint.*", capture)
    with contextlib.suppress(RuntimeError):
        client.get_endpoint(ApplicationId="app-1", EndpointId="ep 1")
    request = seen[0]
    assert request.method == "GET"
    assert request.url == "https://abc.execute-api.eu-west-1.amazonaws.com/api/v1/apps/app-1/endpoints/ep%201"
    authorization = request.headers["Authorization"].decode()
    assert "/eu-west-1/execute-api/aws4_request" in authorization
    plain = session.client("pinpoint")  # other pinpoint clients still sign for Pinpoint
    plain.meta.events.register("before-send.pinpoint.*", capture)
    with contextlib.suppress(RuntimeError):
        plain.get_endpoint(ApplicationId="app-1", EndpointId="ep-1")
    assert "/eu-west-1/mobiletargeting/aws4_request" in seen[1].headers["Authorization"].decode()
